"""How a customer looks in the integration API ([S1] users) and in webhook events."""

from __future__ import annotations

from devices.models import Customer
from messenger_project.timestamps import iso


def user_representation(customer: Customer) -> dict:
    """The [S1] shape: every field present, unset optional ones null, names never null."""
    return {
        "id": str(customer.uuid),
        "number": customer.number,
        "firstName": customer.first_name or "",
        "lastName": customer.last_name or "",
        "context": customer.context or None,
        "source": customer.source or None,
        "fkId": customer.fk_id,
        "fkUserId": customer.fk_user_id or None,
        "email": customer.email or None,
        "phoneNumber": customer.phone or None,
        "metadata": {"customData": customer.custom_data},
        "kind": "customer",
        "registered": customer.registered,
        "createdAt": iso(customer.created_at),
        "updatedAt": iso(customer.updated_at),
    }
