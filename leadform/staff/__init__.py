"""Staff access: sign-in (with its throttle), passwords, API tokens and CSRF tokens."""
