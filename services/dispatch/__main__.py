from shared.runtime import serve

from .app import create_app

serve("dispatch", create_app)
