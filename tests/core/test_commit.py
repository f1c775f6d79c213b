"""core.commit.on_commit_once: asked many times in a transaction, done once after it."""

from relais.core.commit import on_commit_once


def test_work_asked_several_times_in_a_transaction_runs_once_after_the_commit(db, django_capture_on_commit_callbacks):
    done = []

    def seal(using):
        done.append(("seal", using))

    def merge(using):
        done.append(("merge", using))

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            on_commit_once(seal)
        on_commit_once(merge)
        assert done == []  # nothing before the commit
    assert done == [("seal", "default"), ("merge", "default")]
