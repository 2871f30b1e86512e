"""Progress lines outside a terminal."""

from __future__ import annotations


def test_steps_print_lines_outside_a_terminal(capsys, monkeypatch):
    from types import SimpleNamespace

    from campaignkit.progress import REPORT_ENV, EpochLine, steps

    monkeypatch.setenv(REPORT_ENV, "1")  # as in a report's kernel: lines, no bar
    assert list(steps(range(3), "work", unit="chunk", every=0.0)) == [0, 1, 2]
    err = capsys.readouterr().err.splitlines()
    assert all(line.startswith("work: ") for line in err) and err[-1].startswith("work: 3/3 chunks (100%)")
    assert list(steps(range(3), "quiet", progress=False)) == [0, 1, 2] and not capsys.readouterr().err
    trainer = SimpleNamespace(
        callback_metrics={"train/loss": 0.41234, "val/loss": 0.5},
        current_epoch=1,
        max_epochs=6,
        sanity_checking=False,
    )
    cb = EpochLine("fine-tune 1/3")
    cb.on_train_epoch_start(trainer, None)
    cb.on_train_epoch_end(trainer, None)
    line = capsys.readouterr().err.strip()
    assert line.startswith(
        "fine-tune 1/3: epoch 2/6 · train/loss 0.4123 · val/loss 0.5 · "
    ) and line.endswith(" s")
