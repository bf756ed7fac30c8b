"""Complaints API under /api/v1/complaints. Thin: load → service → dump."""

from pathlib import Path
from typing import Any

from flask import current_app, request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from app.accounts import auth
from app.accounts.access import ANY_ROLE, allow
from app.accounts.roles import Role
from app.complaints import importer, service, workflow
from app.complaints import schemas as s
from app.complaints.attachments import SIGNATURES, path_for
from app.complaints.enums import Channel
from app.errors import field_error
from app.openapi import file_response

bp = Blueprint("complaints", __name__, url_prefix="/api/v1", description="Complaints")

R = Role
FILERS = (R.ASSOCIATION, R.REGIONAL_REGULATOR, R.NATIONAL_REGULATOR)
REGULATORS = (R.REGIONAL_REGULATOR, R.NATIONAL_REGULATOR)
CASE_ROLES = (R.ASSOCIATION, R.ENTERPRISE, R.REGIONAL_REGULATOR, R.NATIONAL_REGULATOR)
REPLAYED = {
    "Idempotent-Replayed": {
        "description": "true: the Idempotency-Key was seen before; the original answer",
        "schema": {"type": "string", "enum": ["true", "false"]},
    }
}


@bp.route("/complaints")
class ComplaintList(MethodView):
    @allow(*ANY_ROLE)
    @bp.arguments(s.ComplaintQueryArgsSchema, location="query")
    @bp.response(200, s.ComplaintPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        page, per_page = args.pop("page"), args.pop("per_page")
        return service.list_complaints(
            auth.current_actor(), filters=args, page=page, per_page=per_page
        )

    @allow(*FILERS)
    @bp.arguments(s.ComplaintCreateSchema)
    @bp.response(201, s.ComplaintDetailSchema, headers=REPLAYED)
    @bp.doc(
        parameters=[
            {
                "in": "header",
                "name": "Idempotency-Key",
                "required": False,
                "schema": {"type": "string", "maxLength": 200},
            }
        ]
    )
    def post(self, data: dict[str, Any]) -> Any:
        key = request.headers.get("Idempotency-Key")
        if key is not None and not 1 <= len(key) <= 200:
            raise field_error(
                "Idempotency-Key",
                "Idempotency-Key 长度须为 1–200。",
                "Idempotency-Key must be 1-200 characters.",
            )
        complaint, replayed = service.file_complaint(
            auth.current_actor(), data=data, channel=Channel.API, idempotency_key=key
        )
        return complaint, 201, {"Idempotent-Replayed": "true" if replayed else "false"}


@bp.route("/complaints/<int:complaint_id>")
class ComplaintDetail(MethodView):
    @allow(*ANY_ROLE)
    @bp.response(200, s.ComplaintDetailSchema)
    def get(self, complaint_id: int) -> Any:
        return service.get_complaint(auth.current_actor(), complaint_id)


@bp.route("/complaints/<int:complaint_id>/transitions")
class ComplaintTransition(MethodView):
    @allow(*CASE_ROLES)
    @bp.arguments(s.TransitionSchema)
    @bp.response(200, s.ComplaintDetailSchema)
    def post(self, data: dict[str, Any], complaint_id: int) -> Any:
        return workflow.transition(auth.current_actor(), complaint_id, data=data)


@bp.route("/complaints/<int:complaint_id>/messages")
class ComplaintMessages(MethodView):
    @allow(*CASE_ROLES)
    @bp.response(200, s.MessageSchema(many=True))
    def get(self, complaint_id: int) -> Any:
        return service.get_complaint(auth.current_actor(), complaint_id).messages

    @allow(*CASE_ROLES)
    @bp.arguments(s.MessageCreateSchema)
    @bp.response(201, s.MessageSchema)
    def post(self, data: dict[str, Any], complaint_id: int) -> Any:
        return workflow.post_message(auth.current_actor(), complaint_id, data=data)


@bp.route("/complaints/<int:complaint_id>/personal-data")
class ComplaintPersonalData(MethodView):
    @allow(*CASE_ROLES)
    @bp.response(200, s.PersonalDataSchema)
    def get(self, complaint_id: int) -> Any:
        return service.personal_data(auth.current_actor(), complaint_id)


@bp.route("/complaints/<int:complaint_id>/enterprise")
class ComplaintEnterprise(MethodView):
    @allow(*REGULATORS)
    @bp.arguments(s.AssignSchema)
    @bp.response(200, s.ComplaintDetailSchema)
    def post(self, data: dict[str, Any], complaint_id: int) -> Any:
        return service.assign_enterprise(auth.current_actor(), complaint_id, **data)


@bp.route("/complaints/<int:complaint_id>/labels")
class ComplaintLabels(MethodView):
    @allow(*REGULATORS)
    @bp.arguments(s.LabelOverrideSchema)
    @bp.response(200, s.ComplaintDetailSchema)
    def post(self, data: dict[str, Any], complaint_id: int) -> Any:
        return service.override_labels(auth.current_actor(), complaint_id, **data)


@bp.route("/complaints/<int:complaint_id>/pauses")
class ComplaintPauses(MethodView):
    @allow(*REGULATORS)
    @bp.arguments(s.PauseSchema)
    @bp.response(201, s.PauseReadSchema)
    def post(self, data: dict[str, Any], complaint_id: int) -> Any:
        return workflow.pause(auth.current_actor(), complaint_id, **data)


@bp.route("/complaints/<int:complaint_id>/resumption")
class ComplaintResumption(MethodView):
    @allow(*REGULATORS)
    @bp.arguments(s.PauseSchema)
    @bp.response(200, s.PauseReadSchema)
    def post(self, data: dict[str, Any], complaint_id: int) -> Any:
        return workflow.resume(
            auth.current_actor(), complaint_id, reason=data["reason"]
        )


@bp.route("/complaints/<int:complaint_id>/attachments")
class ComplaintAttachments(MethodView):
    @allow(*CASE_ROLES)
    @bp.response(200, s.AttachmentSchema(many=True))
    def get(self, complaint_id: int) -> Any:
        return service.get_complaint(auth.current_actor(), complaint_id).attachments

    @allow(*CASE_ROLES)
    @bp.response(201, s.AttachmentSchema)
    @bp.doc(
        requestBody={
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                }
            }
        }
    )
    def post(self, complaint_id: int) -> Any:
        limit = int(current_app.config["MAX_ATTACHMENT_BYTES"])
        filename, content = _uploaded_file(limit + 1)
        return service.add_attachment(
            auth.current_actor(),
            complaint_id,
            filename=filename,
            content=content,
            root=_upload_root(),
            max_bytes=limit,
        )


@bp.route("/complaints/<int:complaint_id>/attachments/<int:attachment_id>")
class ComplaintAttachment(MethodView):
    @allow(*CASE_ROLES)
    @bp.doc(**file_response(*(ctype for _, ctype, _ in SIGNATURES)))
    def get(self, complaint_id: int, attachment_id: int) -> Any:
        row = service.get_attachment(auth.current_actor(), complaint_id, attachment_id)
        return send_file(
            path_for(Path(_upload_root()), row.sha256),
            mimetype=row.content_type,
            download_name=row.filename,
            as_attachment=True,
        )


@bp.route("/complaints/imports")
class ComplaintImport(MethodView):
    @allow(*FILERS)
    @bp.response(201, s.ImportReportSchema)
    @bp.doc(
        requestBody={
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "skip_invalid": {"type": "boolean"},
                        },
                    }
                }
            }
        }
    )
    def post(self) -> Any:
        filename, content = _uploaded_file()
        skip = request.form.get("skip_invalid", "false").lower() in TRUE_WORDS
        try:
            report = importer.import_file(
                auth.current_actor(),
                filename=filename,
                content=content,
                skip_invalid=skip,
            )
        except importer.ImportFileError as err:
            raise field_error("file", err.zh, err.en) from err
        return report


@bp.route("/complaints/matching-queue")
class MatchingQueue(MethodView):
    @allow(*REGULATORS)
    @bp.arguments(
        s.ComplaintQueryArgsSchema(only=("page", "per_page")), location="query"
    )
    @bp.response(200, s.ComplaintPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        return service.matching_queue(auth.current_actor(), **args)


@bp.route("/enterprise-suggestions")
class EnterpriseSuggestions(MethodView):
    @allow(*ANY_ROLE)
    @bp.arguments(s.SuggestArgsSchema, location="query")
    @bp.response(200, s.CandidateSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        return service.suggest_enterprises(args["q"], limit=args["limit"])


TRUE_WORDS = ("1", "true", "yes", "on")


def _uploaded_file(limit: int = -1) -> tuple[str, bytes]:
    """Read the multipart `file` field (at most `limit` bytes), closing it."""
    upload = request.files.get("file")
    if upload is None:
        raise field_error(
            "file", "请上传文件（字段名 file）。", "Upload a file in the 'file' field."
        )
    with upload.stream:
        return upload.filename or "", upload.stream.read(limit)


def _upload_root() -> str:
    configured = current_app.config.get("UPLOAD_DIR")
    return str(configured or Path(current_app.instance_path) / "uploads")
