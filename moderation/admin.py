from django.contrib import admin

from .models import Facilitator


@admin.register(Facilitator)
class FacilitatorAdmin(admin.ModelAdmin):
    list_display = ["user", "category", "appointed_at"]
    list_filter = ["category"]
    autocomplete_fields = ["user"]
