from django.urls import path

from . import views

app_name = "workspaces"

urlpatterns = [
    path("members/", views.members, name="members"),
    path("members/invite/", views.invite_create, name="invite"),
    path("members/<usr:user_id>/role/", views.member_role, name="member-role"),
    path("members/<usr:user_id>/deactivate/", views.member_deactivate, name="member-deactivate"),
    path("invite/<str:token>/", views.invite_accept, name="invite-accept"),
    path("audit/", views.audit, name="audit"),
]
