from shared.runtime import serve

from .app import create_app

serve("complaints", create_app)
