"""A paste filter that may answer a request itself or pass it on."""

from glance.api import errors


class Middleware:
    """Subclasses override ``process_request``; the default passes all."""

    def __init__(self, app):
        self.app = app

    @classmethod
    def factory(cls, global_conf, **local_conf):
        def make_filter(app):
            return cls(app)

        return make_filter

    @errors.Wsgify
    def __call__(self, req):
        response = self.process_request(req)
        if response is not None:
            return response
        return req.get_response(self.app)

    def process_request(self, req):
        """A response to answer with, or None to call the wrapped app."""
        return None
