"""The complaint state machine: which action moves a complaint on, and who may take it.

Regulators accept, or reject citing a 暂行办法 Art. 15 ground; forward the case to the
enterprise; terminate mediation citing an Art. 21 ground; and close it. The enterprise
responds and marks it resolved. The association speaks for the complainant: it
confirms (rating attitude, speed, satisfaction 1-5) or disputes the resolution, and
may withdraw at any open stage. Admins run the system, not cases: they take no step.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from app.accounts import roles


class Labelled(StrEnum):
    """A StrEnum whose members carry a Chinese and an English label."""

    @property
    def zh(self) -> str:
        return _LABELS[type(self), self.value][0]

    @property
    def en(self) -> str:
        return _LABELS[type(self), self.value][1]


_LABELS: dict[tuple[type[Labelled], str], tuple[str, str]] = {}


def _labels(enum: type[Labelled], table: dict[str, tuple[str, str]]) -> None:
    # Fail at import, not in a request, if a member was added without labels.
    assert set(table) == {m.value for m in enum}, f"{enum.__name__} labels incomplete"
    for value, pair in table.items():
        _LABELS[enum, value] = pair


class Status(Labelled):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    FORWARDED = "forwarded"
    RESPONDED = "responded"
    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    MEDIATION_TERMINATED = "mediation_terminated"


_labels(
    Status,
    {
        "submitted": ("待处理", "submitted"),
        "accepted": ("已受理", "accepted"),
        "rejected": ("不予受理", "not accepted"),
        "forwarded": ("已转交企业", "forwarded to the enterprise"),
        "responded": ("已回复", "replied by the enterprise"),
        "resolved": ("企业已解决，待确认", "resolved by the enterprise"),
        "unresolved": ("未解决", "unresolved"),
        "confirmed": ("已完成", "confirmed by the complainant"),
        "disputed": ("投诉人有异议", "disputed by the complainant"),
        "closed": ("已关闭", "closed"),
        "withdrawn": ("已撤回", "withdrawn"),
        "mediation_terminated": ("终止调解", "mediation terminated"),
    },
)


class Action(Labelled):
    ACCEPT = "accept"
    REJECT = "reject"
    FORWARD = "forward"
    RESPOND = "respond"
    RESOLVE = "resolve"
    MARK_UNRESOLVED = "mark_unresolved"
    CONFIRM = "confirm"
    DISPUTE = "dispute"
    FORWARD_AGAIN = "forward_again"
    WITHDRAW = "withdraw"
    TERMINATE_MEDIATION = "terminate_mediation"
    CLOSE = "close"


_labels(
    Action,
    {
        "accept": ("受理", "accept"),
        "reject": ("不予受理", "reject"),
        "forward": ("转交企业", "forward to the enterprise"),
        "respond": ("回复", "respond"),
        "resolve": ("标记已解决", "mark resolved"),
        "mark_unresolved": ("记录未解决", "record as unresolved"),
        "confirm": ("确认", "confirm"),
        "dispute": ("提出异议", "dispute"),
        "forward_again": ("重新转交企业", "forward to the enterprise again"),
        "withdraw": ("撤回", "withdraw"),
        "terminate_mediation": ("终止调解", "terminate mediation"),
        "close": ("关闭", "close"),
    },
)


class RejectReason(Labelled):
    """Grounds for not accepting a complaint: 暂行办法 Art. 15 (一)-(六), in order."""

    OUTSIDE_REMIT = "outside_remit"
    HANDLED_ELSEWHERE = "handled_elsewhere"
    NOT_CONSUMER_DISPUTE = "not_consumer_dispute"
    TIME_BARRED = "time_barred"
    MISSING_MATERIALS = "missing_materials"
    OTHER_STATUTORY = "other_statutory"


_labels(
    RejectReason,
    {
        "outside_remit": ("非本部门职责或本机关无处理权限", "outside our remit"),
        "handled_elsewhere": ("已由法院、仲裁、消协等受理或处理", "handled elsewhere"),
        "not_consumer_dispute": ("非生活消费或不能证明存在争议", "no consumer dispute"),
        "time_barred": ("知道权益受损之日起已超过三年", "over 3 years old"),
        "missing_materials": ("未提供第九条、第十条规定的材料", "materials missing"),
        "other_statutory": ("法律、法规、规章规定的其他情形", "other statutory ground"),
    },
)


class TerminationReason(Labelled):
    """Grounds for terminating mediation: 暂行办法 Art. 21 (一)-(七), in order."""

    WITHDRAWN_OR_SETTLED = "withdrawn_or_settled"
    TESTING_DISAGREEMENT = "testing_disagreement"
    REFUSED_MEDIATION = "refused_mediation"
    NO_AGREEMENT_POSSIBLE = "no_agreement_possible"
    DEADLINE_PASSED = "deadline_passed"
    NON_ACCEPTANCE_GROUND_FOUND = "non_acceptance_ground_found"
    OTHER_STATUTORY = "other_statutory"


_labels(
    TerminationReason,
    {
        "withdrawn_or_settled": ("投诉人撤回或双方自行和解", "withdrawn or settled"),
        "testing_disagreement": ("检测鉴定机构或费用协商不成", "no deal on testing"),
        "refused_mediation": ("无正当理由不参加或拒绝调解", "mediation refused"),
        "no_agreement_possible": ("明确表示无法达成调解协议", "no agreement possible"),
        "deadline_passed": ("四十五个工作日内未达成协议", "45 working days passed"),
        "non_acceptance_ground_found": ("受理后发现第十五条情形", "Art. 15 ground"),
        "other_statutory": ("法律、法规、规章规定的其他情形", "other statutory ground"),
    },
)


class ReasonKind(StrEnum):
    """What the `reason` argument must hold for a transition."""

    REJECT = "reject_reason"
    TERMINATION = "termination_reason"
    NOTE = "note"  # free text that must not be blank


class Need(StrEnum):
    """Whether a transition takes the complainant side's ratings."""

    NO = "no"
    OPTIONAL = "optional"
    REQUIRED = "required"


@dataclass(frozen=True)
class Ratings:
    """The complainant side's 1-5 star ratings, as 黑猫 shows them after closure."""

    attitude: int
    speed: int
    satisfaction: int


@dataclass(frozen=True)
class Transition:
    from_status: Status
    action: Action
    to_status: Status
    roles: frozenset[roles.Role]
    requires_reason: ReasonKind | None = None  # None: an optional free note
    ratings: Need = Need.NO

    @property
    def requires_ratings(self) -> bool:
        return self.ratings is Need.REQUIRED


_ASSOC = frozenset({roles.Role.ASSOCIATION})
_ENTERPRISE = frozenset({roles.Role.ENTERPRISE})
_REG = frozenset(roles.REGULATORS)
_S, _A = Status, Action  # short names keep one row per step
_NOTE, _TERM = ReasonKind.NOTE, ReasonKind.TERMINATION
FINAL_STATUSES = frozenset(
    {_S.CLOSED, _S.REJECTED, _S.WITHDRAWN, _S.MEDIATION_TERMINATED}
)
_OPEN = [s for s in Status if s not in FINAL_STATUSES]
_MEDIATING = (_S.ACCEPTED, _S.FORWARDED, _S.RESPONDED, _S.UNRESOLVED, _S.DISPUTED)

# Ordered: allowed_actions() lists actions in this order.
TRANSITIONS: tuple[Transition, ...] = (
    Transition(_S.SUBMITTED, _A.ACCEPT, _S.ACCEPTED, _REG),
    Transition(_S.SUBMITTED, _A.REJECT, _S.REJECTED, _REG, ReasonKind.REJECT),
    Transition(_S.ACCEPTED, _A.FORWARD, _S.FORWARDED, _REG),
    # The reply text is the point of this step, so it may not be empty.
    Transition(_S.FORWARDED, _A.RESPOND, _S.RESPONDED, _ENTERPRISE, _NOTE),
    Transition(_S.RESPONDED, _A.RESOLVE, _S.RESOLVED, _ENTERPRISE),
    # Either side of the mediation may record that the reply did not solve it.
    Transition(_S.RESPONDED, _A.MARK_UNRESOLVED, _S.UNRESOLVED, _REG | _ASSOC, _NOTE),
    Transition(_S.RESOLVED, _A.CONFIRM, _S.CONFIRMED, _ASSOC, ratings=Need.REQUIRED),
    # A dispute must say what is still wrong, or the enterprise cannot act on it.
    Transition(_S.RESOLVED, _A.DISPUTE, _S.DISPUTED, _ASSOC, _NOTE, Need.OPTIONAL),
    Transition(_S.UNRESOLVED, _A.FORWARD_AGAIN, _S.FORWARDED, _REG),
    Transition(_S.DISPUTED, _A.FORWARD_AGAIN, _S.FORWARDED, _REG),
    Transition(_S.CONFIRMED, _A.CLOSE, _S.CLOSED, _REG),
    # Closing without the complainant's confirmation needs a recorded why.
    Transition(_S.UNRESOLVED, _A.CLOSE, _S.CLOSED, _REG, _NOTE),
    Transition(_S.DISPUTED, _A.CLOSE, _S.CLOSED, _REG, _NOTE),
    *(
        Transition(s, _A.TERMINATE_MEDIATION, _S.MEDIATION_TERMINATED, _REG, _TERM)
        for s in _MEDIATING
    ),
    *(Transition(s, _A.WITHDRAW, _S.WITHDRAWN, _ASSOC) for s in _OPEN),
)

# "Reaching any of these means ..." sets for 黑猫-style metrics (regulations §3.4):
# a complaint is valid once accepted, replied once the enterprise responded, and
# completed once the complainant side confirmed. See metric_flags().
VALID_STATUSES = frozenset(Status) - {_S.SUBMITTED, _S.REJECTED, _S.WITHDRAWN}
REPLIED_STATUSES = frozenset(
    {_S.RESPONDED, _S.RESOLVED, _S.UNRESOLVED, _S.CONFIRMED, _S.DISPUTED}
)
COMPLETED_STATUSES = frozenset({_S.CONFIRMED})

_BY_KEY = {(t.from_status, t.action): t for t in TRANSITIONS}


class LifecycleError(Exception):
    """Base of the state-machine errors; carries the bilingual message for the API."""

    status_code = 400
    reason = "lifecycle"

    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en


class TransitionNotAllowed(LifecycleError):
    status_code = 409
    reason = "transition_not_allowed"

    def __init__(
        self, status: Status, action: Action, role: roles.Role, allowed: list[Action]
    ) -> None:
        zh_allowed = "、".join(a.zh for a in allowed) or "无"
        en_allowed = ", ".join(a.en for a in allowed) or "none"
        super().__init__(
            f"当前状态为 {status.zh}，不能执行 {action.zh}；可执行：{zh_allowed}",
            f"Complaint is {status.en}; cannot {action.en}. Allowed: {en_allowed}",
        )
        self.status = status
        self.action = action
        self.role = role
        self.allowed = allowed
        # True when the step exists from this status, only not for this role.
        self.wrong_role = (status, action) in _BY_KEY


class TransitionInvalid(LifecycleError):
    status_code = 422
    reason = "transition_invalid"

    def __init__(self, field: str, message: str, message_en: str) -> None:
        super().__init__(message, message_en)
        self.field = field


def is_final(status: Status) -> bool:
    """Tell whether no further action can change the status."""
    return status in FINAL_STATUSES


def allowed_actions(status: Status, role: roles.Role) -> list[Action]:
    """List the actions `role` may take on a complaint in `status`."""
    return [
        t.action for t in TRANSITIONS if t.from_status == status and role in t.roles
    ]


def apply(
    status: Status,
    action: Action,
    role: roles.Role,
    *,
    reason: str | None = None,
    ratings: Ratings | None = None,
) -> Status:
    """Return the status after `role` takes `action`.

    Raises:
        TransitionNotAllowed: the action is not open to this role in this status.
        TransitionInvalid: the reason or the ratings are missing or invalid.
    """
    step = _BY_KEY.get((status, action))
    if step is None or role not in step.roles:
        raise TransitionNotAllowed(status, action, role, allowed_actions(status, role))
    _check_reason(step, reason)
    _check_ratings(step, ratings)
    return step.to_status


_STATUTORY: dict[ReasonKind | None, tuple[type[Labelled], str]] = {
    ReasonKind.REJECT: (RejectReason, "第十五条"),
    ReasonKind.TERMINATION: (TerminationReason, "第二十一条"),
}


def _check_reason(step: Transition, reason: str | None) -> None:
    kind, act = step.requires_reason, step.action
    if kind in _STATUTORY:
        grounds, article = _STATUTORY[kind]
        # Both enums have "other_statutory": a member of the wrong one must not pass.
        wrong_enum = isinstance(reason, Labelled) and not isinstance(reason, grounds)
        if wrong_enum or reason not in {g.value for g in grounds}:
            raise TransitionInvalid(
                "reason",
                f"请选择{act.zh}的法定理由（《暂行办法》{article}）",
                f"Choose a statutory reason to {act.en}: {', '.join(grounds)}",
            )
    elif isinstance(reason, RejectReason | TerminationReason):
        raise TransitionInvalid(
            "reason", f"{act.zh} 不需要法定理由", f"{act.en} takes no statutory reason"
        )
    elif kind is ReasonKind.NOTE and not (reason or "").strip():
        raise TransitionInvalid(
            "reason", f"{act.zh} 需要填写说明", f"{act.en} needs a note"
        )


def _check_ratings(step: Transition, ratings: Ratings | None) -> None:
    if ratings is None:
        if step.requires_ratings:
            raise TransitionInvalid(
                "ratings",
                "请为服务态度、处理速度、满意度评分（1-5 星）",
                "Rate attitude, speed and satisfaction (1-5 stars)",
            )
        return
    if step.ratings is Need.NO:
        raise TransitionInvalid(
            "ratings",
            f"{step.action.zh} 不接受评分",
            f"{step.action.en} takes no ratings",
        )
    for name in ("attitude", "speed", "satisfaction"):
        value = getattr(ratings, name)
        # bool is an int subclass; True must not pass as a one-star rating.
        if type(value) is not int or not 1 <= value <= 5:
            raise TransitionInvalid(
                f"ratings.{name}",
                "评分须为 1-5 的整数",
                "A rating is a whole number 1-5",
            )


class TrackLabel(Labelled):
    """The consumer-facing progress shown on 黑猫-style boards (codes 4/6/7/8)."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    REPLIED = "replied"
    COMPLETED = "completed"
    CLOSED = "closed"

    @property
    def heimao_code(self) -> int | None:
        # 黑猫's codes below 4 were never observed, so pending has none.
        return _HEIMAO_CODES.get(self.value)


_HEIMAO_CODES = {"in_progress": 4, "replied": 6, "completed": 7, "closed": 8}


_labels(
    TrackLabel,
    {
        "pending": ("待处理", "pending"),
        "in_progress": ("处理中", "in progress"),
        "replied": ("已回复", "replied"),
        "completed": ("已完成", "completed"),
        "closed": ("已关闭", "closed"),
    },
)

_TRACK = {
    _S.SUBMITTED: TrackLabel.PENDING,
    _S.ACCEPTED: TrackLabel.IN_PROGRESS,
    _S.FORWARDED: TrackLabel.IN_PROGRESS,
    _S.UNRESOLVED: TrackLabel.IN_PROGRESS,
    _S.DISPUTED: TrackLabel.IN_PROGRESS,
    _S.RESPONDED: TrackLabel.REPLIED,
    _S.RESOLVED: TrackLabel.REPLIED,
    _S.CONFIRMED: TrackLabel.COMPLETED,
}


def enterprise_track_label(status: Status, *, confirmed: bool = False) -> TrackLabel:
    """Map a status to the public progress label.

    `confirmed` says the complainant side confirmed the resolution earlier, so a
    case closed or withdrawn after that still shows as 已完成.
    """
    if status in FINAL_STATUSES:
        return TrackLabel.COMPLETED if confirmed else TrackLabel.CLOSED
    return _TRACK[status]


@dataclass(frozen=True)
class MetricFlags:
    valid: bool
    replied: bool
    completed: bool


def metric_flags(history: Iterable[Status]) -> MetricFlags:
    """Tell whether a complaint counts as valid, replied and completed.

    `history` is every status the complaint has been in, in any order: a closed
    case counts as replied only if it passed through a reply on the way.
    """
    seen = set(history)
    return MetricFlags(
        valid=bool(seen & VALID_STATUSES),
        replied=bool(seen & REPLIED_STATUSES),
        completed=bool(seen & COMPLETED_STATUSES),
    )
