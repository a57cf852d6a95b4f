from django.contrib import admin

from helpline.channels.phone.models import PhoneLine


@admin.register(PhoneLine)
class PhoneLineAdmin(admin.ModelAdmin):
    list_display = ["number", "location", "team"]
    list_filter = ["location"]
    search_fields = ["number"]
