from app.auth import services
def test_a(app):
    services.EmailTaken()
def test_b(app):
    services.PermissionDenied()
