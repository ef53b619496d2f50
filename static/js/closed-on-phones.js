'use strict';
/*
 * A block that fills a phone's first screen, such as the long list's filters, is open in the page (so it can
 * be reached without scripts) and closed here on narrow screens, behind its Bootstrap collapse button.
 * A block opts in with data-closed-on-phones; its button names it in data-bs-target.
 */
if (window.matchMedia('(max-width: 575.98px)').matches) {
    document.querySelectorAll('[data-closed-on-phones]').forEach((block) => {
        block.classList.remove('show');
        document.querySelectorAll(`[data-bs-target="#${block.id}"]`).forEach((button) => {
            button.setAttribute('aria-expanded', 'false');
            button.classList.add('collapsed');
        });
    });
}
