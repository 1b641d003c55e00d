from shared.runtime import serve

from .app import create_app

serve("survey", create_app)
