'use strict';
/*
 * Below 1600 px a changelist's filters sit above its table as a bar (css/admin.css), so that the table
 * has the page's width. In that bar, a filter starts folded to its title unless one of its choices other
 * than the first ("All") is in use, or the user opened it before in this session (Django's filters.js
 * keeps that choice in sessionStorage and has already applied it when this script runs).
 */
{
    const bar = window.matchMedia('(max-width: 1599px)');
    const remembered = JSON.parse(sessionStorage.getItem('django.admin.filtersState') || '{}');
    if (bar.matches) {
        document.querySelectorAll('#changelist-filter details[data-filter-title]').forEach((details) => {
            if (details.dataset.filterTitle in remembered) {
                return;
            }
            const choices = details.querySelectorAll('li');
            const inUse = [...choices].slice(1).some((choice) => choice.classList.contains('selected'));
            if (!inUse) {
                details.removeAttribute('open');
            }
        });
    }
}
