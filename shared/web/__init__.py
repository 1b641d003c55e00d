"""The department console's plumbing, once for all five services: sign-in and sessions
(``sessions``, ``accounts``), languages (``i18n``), the page layout, styles and scripts
(``templates/``, ``static/``), and the wiring a service's ``pages/`` package uses
(``console``)."""
