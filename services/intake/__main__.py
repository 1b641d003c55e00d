from shared.runtime import serve

from .app import create_app

serve("intake", create_app)
