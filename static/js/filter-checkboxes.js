'use strict';
/*
 * A long list of checkboxes, such as the people a meeting's invitation may go to, gets a filter box:
 * typing hides the choices whose label does not contain the text (ticked ones stay visible), and a live
 * line says how many are shown. Without this script the whole list is there to tick, so nothing depends on it.
 * A container opts in with data-filter-label, the filter box's label.
 */
document.querySelectorAll('[data-filter-label]').forEach((container, index) => {
    const choices = [...container.querySelectorAll('.form-check')];
    if (!choices.length) {
        return;
    }
    const id = `checkbox-filter-${index}`;
    const wrapper = document.createElement('div');
    wrapper.className = 'mb-2';
    const label = document.createElement('label');
    label.className = 'form-label';
    label.htmlFor = id;
    label.textContent = container.dataset.filterLabel;
    const input = document.createElement('input');
    input.type = 'search';
    input.id = id;
    input.className = 'form-control';
    input.autocomplete = 'off';
    const status = document.createElement('p');
    status.className = 'small text-body-secondary mb-1';
    status.setAttribute('aria-live', 'polite');
    wrapper.append(label, input, status);
    const list = choices[0].parentElement;
    list.classList.add('checkbox-filter-list');
    list.before(wrapper);
    const template = container.dataset.filterStatus || '{shown} / {total}';
    const update = () => {
        const text = input.value.trim().toLocaleLowerCase();
        let shown = 0;
        choices.forEach((choice) => {
            const box = choice.querySelector('input');
            const visible = !text || (box && box.checked) || choice.textContent.toLocaleLowerCase().includes(text);
            choice.hidden = !visible;
            shown += visible ? 1 : 0;
        });
        status.textContent = template.replace('{shown}', shown).replace('{total}', choices.length);
    };
    input.addEventListener('input', update);
    update();
});
