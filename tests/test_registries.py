"""One registry per concept (issue 11, item 5).

Each engine module owns its names, labels and Keras names; config.py (standard
library only, so it cannot import them) keeps copies that these tests pin equal,
and the UI, presets and export take theirs from the engine modules.
"""

from __future__ import annotations

import dataclasses

import pytest

from nbplayground import activations, config, custom_data, datasets, features, losses
from nbplayground import network, optimizers, presets


def test_config_names_are_the_engine_registries():
    assert config.HIDDEN_ACTIVATIONS == activations.NAMES
    assert config.PLAYGROUND_ACTIVATIONS == activations.PLAYGROUND_NAMES
    assert config.PLAYGROUND_DATASETS["classification"] == datasets.CLASSIFICATION
    assert config.PLAYGROUND_DATASETS["regression"] == datasets.REGRESSION
    assert config.MULTICLASS_DATASETS == datasets.MULTICLASS
    assert sorted(config.DATASETS) == sorted(datasets.DATASETS)
    assert config.INITIALIZERS == network.INITIALIZERS
    assert config.LOSSES == losses.LOSSES
    assert config.OPTIMIZERS == optimizers.NAMES
    assert config.FEATURES == features.FEATURE_IDS
    assert dict(config.FEATURE_URL_KEYS) == {f.id: f.url_key for f in features.FEATURES}
    assert custom_data.PROBLEMS is config.PROBLEMS


@pytest.mark.parametrize("dataset", config.DATASETS)
def test_class_counts_agree(dataset):
    assert config.Config(seed="1", dataset=dataset).num_classes == \
        datasets.num_classes(dataset)


def test_config_s_optimizer_fields_are_keras_hyperparameter_names():
    fields = {f.name for f in dataclasses.fields(config.Config)}
    keras = {name for names in optimizers.HYPERPARAMETERS.values() for name in names}
    assert fields & keras == {"learning_rate", "decay", "momentum", "nesterov", "rho",
                              "epsilon", "beta_1", "beta_2"}


def test_every_registry_has_a_label_for_every_name():
    assert set(activations.LABELS) == set(activations.NAMES) == set(activations.KERAS_NAMES)
    assert set(datasets.LABELS) == set(datasets.DATASETS)
    assert tuple(network.INITIALIZER_LABELS) == network.INITIALIZERS
    assert tuple(losses.LABELS) == losses.LOSSES
    assert tuple(optimizers.LABELS) == optimizers.NAMES
    assert all(isinstance(f.label, str) and f.label for f in features.FEATURES)


def test_the_ui_takes_its_labels_from_the_registries():
    controls = pytest.importorskip("nbplayground.ui.controls")
    assert controls.ACTIVATION_LABELS is activations.LABELS
    assert controls.DATASET_LABELS is datasets.LABELS
    assert controls.INIT_LABELS is network.INITIALIZER_LABELS
    assert controls.LOSS_LABELS is losses.LABELS
    assert controls.OPTIMIZER_LABELS is optimizers.LABELS


def test_the_keras_export_uses_the_registry_s_keras_names():
    import importlib
    for name in ("nbplayground.keras_export", "nbplayground.export"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        table = getattr(module, "KERAS_ACTIVATIONS", None)
        if table is not None:
            assert dict(table) == activations.KERAS_NAMES
            return
    pytest.fail("no module holds the Keras activation names")


@pytest.mark.parametrize("name", presets.names())
def test_presets_use_registry_names(name):
    c = presets.preset(name)
    assert c.activation in activations.NAMES and c.dataset in datasets.DATASETS
    assert c.optimizer in optimizers.NAMES and c.init in network.INITIALIZERS
    assert c.loss in losses.LOSSES and set(c.features) <= set(features.FEATURE_IDS)
