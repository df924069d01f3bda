"""Operators' roles (SPEC "Operators' cockpit"): least-privilege groups, created by data
migrations. Each app's migration grants its own models' permissions to these groups, so no
app reaches into another's models: merchants creates the groups, the others add to them.

- credit reviewer: reads stores, credit and orders; decides limit-increase applications;
- risk officer: opens, confirms, dismisses and revokes violations; reads penalty rules;
- after-sales judge: judges escalated refund cases;
- finance: settles logistics weeks, issues invoices, reads statements, the ledger and payouts;
- auditor: reads everything, changes nothing.
Superusers are for the platform team only."""
from django.contrib.auth.management import create_permissions

CREDIT_REVIEWER = "credit reviewer (授信审核)"
RISK_OFFICER = "risk officer (风控)"
AFTER_SALES_JUDGE = "after-sales judge (售后判责)"
FINANCE = "finance (财务)"
AUDITOR = "read-only auditor (审计只读)"
ROLES = [CREDIT_REVIEWER, RISK_OFFICER, AFTER_SALES_JUDGE, FINANCE, AUDITOR]


def grant(apps, app_label: str, table: dict[str, list[str]]) -> None:
    """For a data migration: give each role the listed codenames of `app_label` ("view_store"…);
    the auditor also gets every view permission of the app."""
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True  # permissions are normally created after migrate
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label=app_label)
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        codenames = set(table.get(role, []))
        if role == AUDITOR:
            codenames |= set(perms.filter(codename__startswith="view_").values_list("codename", flat=True))
        found = list(perms.filter(codename__in=codenames))
        missing = codenames - {p.codename for p in found}
        if missing:
            raise LookupError(f"{app_label}: no permission {sorted(missing)}")
        group.permissions.add(*found)


def revoke(apps, app_label: str, table: dict[str, list[str]]) -> None:
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*group.permissions.filter(content_type__app_label=app_label))
