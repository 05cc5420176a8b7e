def test_pages_send_a_csp_without_inline_script(client):
    """Every page carries a Content-Security-Policy that allows no inline script."""
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:])
        for part in policy.split(";")
        if part.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in directives.get("default-src", [])


def test_pages_have_no_inline_script(client, topic):
    """Templates use only the static script file, never inline script."""
    for url in ["/", topic.category.get_absolute_url(), topic.get_absolute_url()]:
        html = client.get(url).content.decode()
        assert html.count("<script") == html.count('<script src="/static/')
