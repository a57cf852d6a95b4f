"""`without_head_bodies`, the WSGI wrapper behind every server: HEAD gets GET's headers only."""

from helpline.wsgi import without_head_bodies


class StartResponse:
    def __call__(self, status, headers, exc_info=None):
        self.status, self.headers = status, dict(headers)
        return lambda data: None


class Body:
    """A streamed body that knows whether it was closed (the server must close it)."""

    def __init__(self, *chunks: bytes):
        self.chunks, self.closed = chunks, False

    def __iter__(self):
        return iter(self.chunks)

    def close(self):
        self.closed = True


def call(app, method="HEAD"):
    start_response = StartResponse()
    body = list(without_head_bodies(app)({"REQUEST_METHOD": method}, start_response))
    return start_response, body


def test_a_head_response_keeps_its_headers_and_loses_its_body():
    streamed = Body(b"hello")

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
        return streamed

    start_response, body = call(app)
    assert body == []
    assert start_response.status == "200 OK"
    assert start_response.headers == {"Content-Type": "text/plain", "Content-Length": "5"}
    assert streamed.closed


def test_a_stream_without_a_length_is_counted_so_the_server_neither_chunks_nor_closes():
    def app(environ, start_response):
        def stream():  # start_response on the first chunk, as PEP 3333 allows
            start_response("200 OK", [("Content-Type", "text/csv")])
            yield b"a,b\n"
            yield b"1,2\n"

        return stream()

    start_response, body = call(app)
    assert body == []
    assert start_response.headers["Content-Length"] == "8"


def test_a_response_that_never_has_a_body_gets_no_length():
    def app(environ, start_response):
        start_response("304 Not Modified", [("ETag", '"x"')])
        return []

    start_response, body = call(app)
    assert body == [] and "Content-Length" not in start_response.headers


def test_other_methods_pass_through_untouched():
    def app(environ, start_response):
        start_response("200 OK", [])
        return [b"hello"]

    assert call(app, "GET")[1] == [b"hello"]
