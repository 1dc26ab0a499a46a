"""The run's loss plot names the held-out context its own recipe uses."""

import dataclasses

import matplotlib.figure

from tempera.training.recipes import RECIPES
from tempera.training.run_folder import RunFolder


def test_the_held_out_curve_names_the_recipes_maxlen(tmp_path, monkeypatch):
    (tmp_path / "run").mkdir()
    run = RunFolder(str(tmp_path / "run"))
    run.write_config({"recipe": dataclasses.replace(RECIPES["default"], maxlen=25).to_dict()})
    legends = []
    save = matplotlib.figure.Figure.savefig

    def saving(figure, *args, **kwargs):  # the real savefig, after reading the legend
        legends.append([text.get_text() for text in figure.axes[0].get_legend().get_texts()])
        return save(figure, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", saving)
    run.plot([{"epoch": 1, "train_loss": 2.5, "val_loss": 2.4},
              {"epoch": 2, "train_loss": 2.0, "val_loss": 2.1}])
    assert legends == [["train", "held-out (25 chars → next)"]]
    assert (tmp_path / "run" / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
