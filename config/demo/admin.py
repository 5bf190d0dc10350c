"""Admin pages of the demo shop."""

from django.contrib import admin

from .models import Customer, Order, Payment


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """Customers, searchable by name, email and phone (used by order autocomplete)."""

    list_display = ["name", "email", "phone"]
    search_fields = ["name", "email", "phone"]


class PaymentInline(admin.TabularInline):
    """Payments edited on their order's page."""

    model = Payment
    extra = 0


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders with their payments inline."""

    list_display = ["number", "customer", "status", "total_amount", "currency", "created_at"]
    list_filter = ["status", "currency", "created_at"]
    search_fields = ["number", "customer__name", "customer__email"]
    autocomplete_fields = ["customer"]
    list_select_related = ["customer"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "updated_at"]
    inlines = [PaymentInline]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    """Payments across all orders."""

    list_display = ["order", "amount", "method", "received_at"]
    list_filter = ["method", "received_at"]
    search_fields = ["order__number", "order__customer__name", "order__customer__email"]
    autocomplete_fields = ["order"]
    list_select_related = ["order"]
    date_hierarchy = "received_at"
