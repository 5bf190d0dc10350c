"""`api/approvals/<id>/`: an approval a run waits for, and `decide/` to approve or
reject it with a comment. Only the people asked (listed users, members of listed
groups) may see and decide it; anyone else gets a 404."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from workflows_app.api.exceptions import Conflict
from workflows_app.api.filters import MAX_ID
from workflows_app.api.schema import ERROR_RESPONSE
from workflows_app.api.views.base import ApiView
from workflows_app.approvals import ApprovalError, decide
from workflows_app.models import Approval
from workflows_app.tenancy.scoping import scope


class ApprovalSerializer(serializers.ModelSerializer):
    """An approval as the API shows it."""

    decided_by = serializers.CharField(source="decided_by.get_username", default=None,
                                       read_only=True)

    class Meta:
        model = Approval
        fields = ["id", "run", "step_key", "title", "status", "decided_by", "comment",
                  "due_at", "created_at", "decided_at"]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    """The decision: "approved" or "rejected", with an optional comment."""

    decision = serializers.ChoiceField(choices=["approved", "rejected"])
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class _ApprovalView(ApiView, APIView):
    permission_classes = [IsAuthenticated]

    def approval(self, request: Request, pk: int) -> Approval:
        if pk > MAX_ID:
            raise NotFound()
        # With tenancy on, only approvals of the user's tenants.
        approval = (scope(Approval.objects.all(), request.user).filter(pk=pk)
                    .select_related("decided_by").first())
        if approval is None or not (approval.may_decide(request.user)
                                    or request.user.has_perm("workflows_app.change_run")):
            raise NotFound()
        return approval


class ApprovalView(_ApprovalView):
    """Read an approval."""

    @extend_schema(summary="Read an approval", responses={200: ApprovalSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ApprovalSerializer(self.approval(request, pk)).data)


class ApprovalDecisionView(_ApprovalView):
    """Approve or reject an approval; the waiting run goes on."""

    @extend_schema(summary="Approve or reject", request=DecisionSerializer,
                   responses={200: ApprovalSerializer, 404: ERROR_RESPONSE,
                              409: ERROR_RESPONSE})
    def post(self, request: Request, pk: int) -> Response:
        approval = self.approval(request, pk)
        body = DecisionSerializer(data=request.data)
        if not body.is_valid():
            raise ValidationError(body.errors)
        data: dict[str, Any] = body.validated_data
        try:
            decided = decide(approval, request.user, data["decision"], data.get("comment", ""))
        except ApprovalError as exc:
            if approval.may_decide(request.user):
                raise Conflict(str(exc)) from None
            raise NotFound() from None
        return Response(ApprovalSerializer(decided).data, status=status.HTTP_200_OK)
