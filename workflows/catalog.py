"""The one list of shipped journeys, read by the worker (to run them) and the API (to
route events to them)."""

from workflows.abandoned_cart import AbandonedCart
from workflows.b2b_nurture import B2bNurture
from workflows.lead_sla import LeadSla
from workflows.post_purchase import PostPurchase
from workflows.replenishment import Replenishment
from workflows.sdk import Journey, JourneySpec
from workflows.subscription_renewal import SubscriptionRenewal
from workflows.welcome_series import WelcomeSeries
from workflows.win_back import WinBack

JOURNEYS: tuple[type[Journey], ...] = (
    WelcomeSeries,
    AbandonedCart,
    PostPurchase,
    WinBack,
    Replenishment,
    SubscriptionRenewal,
    LeadSla,
    B2bNurture,
)


def journey_specs() -> tuple[JourneySpec, ...]:
    return tuple(j.spec for j in JOURNEYS)
