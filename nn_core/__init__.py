"""nn_core: the lesson's neural network in plain NumPy (no Streamlit here: the pages import this, never the reverse).

    network       init_params, forward_prop, backward_prop, update_params, ... (the math of the lesson, the code
                  training runs)
    activations   ReLU, sigmoid, tanh, linear and their derivatives; softmax
    gradcheck     backpropagation checked against finite differences
    training      Hyperparams and the training loop that yields one record per step: each step is forward_prop,
                  backward_prop and update_params, around data prepared once per run
    data          the digits as stored (DigitSet) and as the network sees them (split_dev -> X, Y)
    mnist_files   where the digits come from: full MNIST, the bundled sample, a CSV, a download
    evaluation    scores, the confusion matrix, dead units, the linear collapse
    pca           the hidden layer's map of the digits: PCA by SVD, and how well a map separates the digits
    persistence   a trained network saved to an .npz file (weights and hyperparameters, no pickles) and read back
    preprocessing a drawing on the canvas -> the 784 numbers the network reads
"""

from nn_core.activations import softmax
from nn_core.data import DigitSet, Split, split_dev
from nn_core.evaluation import collapse_linear, confusion, dead_units, scores
from nn_core.gradcheck import gradient_check, numerical_gradient
from nn_core.mnist_files import (
    DownloadError,
    digitset_from_csv,
    download_mnist,
    load_default,
    load_full_mnist,
    load_sample,
    read_digits_csv,
)
from nn_core.network import (
    backward_prop,
    compute_loss,
    forward_prop,
    get_accuracy,
    get_predictions,
    init_params,
    one_hot,
    update_params,
)
from nn_core.preprocessing import canvas_to_input
from nn_core.training import FAST_AND_ACCURATE, NOTEBOOK, Hyperparams, StepRecord, evaluate, train, train_to_end

__all__ = [
    "softmax", "gradient_check", "numerical_gradient", "backward_prop", "compute_loss", "forward_prop",
    "get_accuracy", "get_predictions", "init_params", "one_hot", "update_params", "FAST_AND_ACCURATE",
    "NOTEBOOK", "Hyperparams", "StepRecord", "evaluate", "train", "train_to_end", "canvas_to_input",
    "DigitSet", "DownloadError", "Split", "digitset_from_csv", "download_mnist", "load_default",
    "load_full_mnist", "load_sample", "read_digits_csv", "split_dev", "collapse_linear", "confusion", "dead_units",
    "scores",
]
