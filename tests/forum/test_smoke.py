def test_index_lists_categories(client, topic):
    """The index shows each category with its counts."""
    response = client.get("/")
    assert response.status_code == 200
    assert b"Dialogues" in response.content
