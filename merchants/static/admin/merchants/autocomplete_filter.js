'use strict';
// An autocomplete list filter (merchants/admin_base.py AutocompleteFilter) applies as soon as a
// row is chosen or cleared; its button does the same without JavaScript. A cleared box is left
// out of the address rather than sent empty.
{
    const $ = django.jQuery;
    $(function() {
        $('form.autocomplete-filter select[data-autosubmit]').on('change', function() {
            if (!this.value) {
                this.disabled = true;
            }
            this.form.submit();
        });
    });
}
