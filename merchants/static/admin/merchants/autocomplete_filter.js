'use strict';
// An autocomplete list filter (merchants/admin_base.py AutocompleteFilter) applies as soon as a
// row is chosen or cleared; the form's button does the same without JavaScript.
{
    const $ = django.jQuery;
    $(function() {
        $('form.autocomplete-filter select[data-autosubmit]').on('change', function() {
            this.form.submit();
        });
    });
}
