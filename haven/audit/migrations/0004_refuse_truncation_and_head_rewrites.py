"""On PostgreSQL the database refuses to shorten the audit chain, as well as to edit it.

0003 refuses UPDATE and DELETE of events. That left TRUNCATE (row triggers do not see it) and
the head: deleting the newest events was refused, but moving the head back after a TRUNCATE, or
deleting and re-creating it, made a shortened chain look whole. Now:

- TRUNCATE of either table is refused;
- the head is never deleted, and an UPDATE of it must be exactly what ``record_event`` does:
  one step forward, onto the event just inserted with that sequence number and hash, which
  links to the old head;
- the head is inserted only as the start of an empty chain;
- an event is inserted only as the next link after the head.

Like 0003, none of this stops the table's owner (who may drop the triggers) or a superuser (who
may also set ``session_replication_role = replica``); the signed checkpoints written outside
the database (haven.audit.checkpoints) are what finds their changes. SQLite has no triggers
here; the chain and the checkpoints still detect changes there.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail cannot be truncated: TRUNCATE % refused', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
CREATE TRIGGER audit_head_no_truncate
    BEFORE TRUNCATE ON audit_auditchainhead
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();

CREATE OR REPLACE FUNCTION audit_head_moves_forward() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the audit chain head cannot be deleted'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.seq = 0 AND NEW.hash = repeat('0', 64)
                AND NOT EXISTS (SELECT 1 FROM audit_auditevent) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'the audit chain head can only start an empty chain'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- record_event inserts the event first, then moves the head onto it.
    IF NEW.id = OLD.id AND NEW.seq = OLD.seq + 1 AND EXISTS (
        SELECT 1 FROM audit_auditevent
        WHERE seq = NEW.seq AND hash = NEW.hash AND prev_hash = OLD.hash
    ) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit chain head only moves by one appended event: UPDATE refused'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_head_moves_forward
    BEFORE INSERT OR UPDATE OR DELETE ON audit_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION audit_head_moves_forward();

CREATE OR REPLACE FUNCTION audit_event_extends_head() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM audit_auditchainhead
        WHERE id = 1 AND NEW.seq = seq + 1 AND NEW.prev_hash = hash
    ) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'an audit event must extend the chain head: INSERT refused'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_extends_head
    BEFORE INSERT ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_extends_head();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_event_extends_head ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_extends_head();
DROP TRIGGER IF EXISTS audit_head_moves_forward ON audit_auditchainhead;
DROP FUNCTION IF EXISTS audit_head_moves_forward();
DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_auditchainhead;
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_refuse_truncate();
"""


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_append_only_trigger")]

    operations = [migrations.RunPython(forwards, backwards)]
