import uuid
from datetime import datetime

from pydantic import AnyHttpUrl, BaseModel, Field


class WebhookIn(BaseModel):
    url: AnyHttpUrl = Field(examples=["https://rostering.example.org/homecare/offers"])


class WebhookOut(BaseModel):
    url: str
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Shown once: sign-check every delivery with it (docs/provider-webhooks.md)")


class TestDeliveryQueued(BaseModel):
    delivery_id: uuid.UUID = Field(description="Sent as X-Homecare-Delivery with the test delivery")
    event: str = Field(examples=["webhook.test"])
