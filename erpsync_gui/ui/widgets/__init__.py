"""Small widgets the pages share: status badge, secret field, form validation, background tasks."""
