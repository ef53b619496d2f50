'use strict';
/*
 * Names the controls of the admin that its own scripts build or change, and that Django names wrongly
 * or not at all (partnership/admin_names.py names the inputs the server renders):
 * - an autocomplete (select2) stands in for a <select>: its combobox, its search box and its list of
 *   results take the name of that select (its <label>, or the aria-label an inline row's select
 *   carries); the read-only "textbox" that select2 puts inside the combobox is only the chosen text;
 * - the filter of a two-list choice (filter_horizontal) labels its search box with an icon whose
 *   aria-label is not allowed without a role;
 * - the date and the time of a date-and-time field are named with their field's label, which a page
 *   may change as it is used (a meeting's times name the zone chosen beside them): their names follow
 *   the label as shown.
 * - a row that "Add another" copies from the inline's hidden template is named "…, agenda item
 *   __prefix__" until it has its number, which Django's inlines.js puts in its inputs' names.
 * These controls appear when the page is ready, when a row is added and when a list opens, so a
 * MutationObserver names each as it appears.
 */
{
    const textOf = (label) => label.textContent.replace(/\s+/g, ' ').replace(/\s*:\s*$/, '').trim();

    const nameOf = (field) => {
        const own = field.getAttribute('aria-label');
        if (own) {
            return own;
        }
        const label = field.id ? document.querySelector(`label[for="${CSS.escape(field.id)}"]`) : null;
        return label ? textOf(label) : '';
    };

    const nameAutocomplete = (container) => {
        const select = container.previousElementSibling;
        const name = nameOf(select);
        if (!name) {
            return;
        }
        const combobox = container.querySelector('.select2-selection[role="combobox"]');
        if (combobox) {
            combobox.removeAttribute('aria-labelledby');  // it pointed at the chosen text, empty at first
            combobox.setAttribute('aria-label', name);
        }
        const rendered = container.querySelector('.select2-selection__rendered');
        if (rendered && rendered.getAttribute('role') === 'textbox') {
            rendered.removeAttribute('role');
            rendered.removeAttribute('aria-readonly');
        }
        if (rendered && rendered.tagName === 'UL') {
            // The chosen values, with the button that clears them all, which select2 puts in the list too.
            rendered.setAttribute('role', 'list');
        }
        const search = container.querySelector('.select2-search__field');
        if (search) {
            search.setAttribute('aria-label', name);
        }
    };

    const nameOpenDropdown = (select) => {
        const name = nameOf(select);
        const dropdown = document.querySelector('.select2-container--open .select2-dropdown');
        if (!name || !dropdown) {
            return;
        }
        const search = dropdown.querySelector('.select2-search__field');
        if (search) {
            search.setAttribute('aria-label', name);
        }
        const results = dropdown.querySelector('[role="listbox"]');
        if (results) {
            results.setAttribute('aria-label', name);
        }
    };

    // The label of the field that a date or a time belongs to: its column's header in a tabular
    // inline, else the label in its field's box.
    const fieldLabelOf = (input) => {
        const cell = input.closest('td');
        const column = cell && [...cell.classList].find((name) => name.startsWith('field-'));
        if (column) {
            return cell.closest('table').querySelector(`thead th.column-${column.slice('field-'.length)}`);
        }
        const box = input.closest('.fieldBox, .form-row');
        return box ? box.querySelector('label') : null;
    };

    const namePart = (input) => {
        const label = fieldLabelOf(input);
        const name = label ? textOf(label) : '';
        if (name) {
            input.setAttribute('aria-label', `${name}, ${input.dataset.labelPart}`);
        }
    };

    const numberRow = (field) => {
        const index = /-(\d+)-[^-]+$/.exec(field.name || '');
        if (!index) {
            return;  // the template itself
        }
        for (const attribute of ['aria-label', 'data-label-part']) {
            const value = field.getAttribute(attribute);
            if (value) {
                field.setAttribute(attribute, value.replace('__prefix__', String(Number(index[1]) + 1)));
            }
        }
    };

    const nameAll = () => {
        document.querySelectorAll('[aria-label*="__prefix__"]').forEach(numberRow);
        document.querySelectorAll('input[data-label-part]').forEach(namePart);
        document.querySelectorAll('select + .select2-container').forEach(nameAutocomplete);
        document.querySelectorAll('.search-label-icon[aria-label]:not([role])').forEach((icon) => {
            icon.setAttribute('role', 'img');
        });
    };

    new MutationObserver(nameAll).observe(document.documentElement, {childList: true, subtree: true});
    document.addEventListener('DOMContentLoaded', () => {
        nameAll();
        if (window.django && window.django.jQuery) {
            window.django.jQuery(document).on('select2:open', (event) => nameOpenDropdown(event.target));
        }
    });
}
