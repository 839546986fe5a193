"""HTML pages of the dashboard, one module per page; JSON twins live in keel.web.routes."""
