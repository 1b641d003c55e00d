from shared.runtime import serve

from .app import create_app

serve("billing", create_app)
