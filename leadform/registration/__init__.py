"""The visitor's registration: the form's rules and dates, consent, attribution, form
tokens, and the intake every front end (HTML form, JSON API) goes through."""
