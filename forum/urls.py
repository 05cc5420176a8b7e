from django.urls import path

from . import feeds, views

app_name = "forum"

urlpatterns = [
    path("", views.index, name="index"),
    path("c/<slug:slug>/", views.category_detail, name="category"),
    path("c/<slug:slug>/new/", views.new_topic, name="new_topic"),
    path("c/<slug:slug>/read/", views.mark_all_read, name="mark_category_read"),
    path("read/", views.mark_all_read, name="mark_all_read"),
    path("t/<id:pk>/", views.topic_detail, name="topic"),
    path("t/<id:pk>/reply/", views.reply, name="reply"),
    path("t/<id:pk>/unread/", views.topic_unread, name="topic_unread"),
    path("p/<id:pk>/", views.post_permalink, name="post"),
    path("p/<id:pk>/edit/", views.edit_post, name="edit_post"),
    path("p/<id:pk>/history/", views.post_history, name="post_history"),
    path("drafts/", views.save_draft, name="save_draft"),
    path("uploads/", views.upload, name="upload"),
    path("a/<id:pk>/", views.attachment, name="attachment"),
    path(
        "a/<id:pk>/thumb/",
        views.attachment,
        {"thumbnail": True},
        name="attachment_thumbnail",
    ),
    path("u/<username:username>/", views.profile, name="profile"),
    path("view/", views.set_thread_view, name="set_view"),
    path("search/", views.search, name="search"),
    path("feeds/topics.atom", feeds.LatestTopicsAtom(), name="feed_atom"),
    path("feeds/topics.rss", feeds.LatestTopicsRss(), name="feed_rss"),
    path("c/<slug:slug>/topics.atom", feeds.CategoryTopicsAtom(), name="category_atom"),
    path("c/<slug:slug>/topics.rss", feeds.CategoryTopicsRss(), name="category_rss"),
    path("t/<id:pk>/posts.atom", feeds.TopicPostsAtom(), name="topic_atom"),
    path("t/<id:pk>/posts.rss", feeds.TopicPostsRss(), name="topic_rss"),
]
