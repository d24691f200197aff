"""The app's colours, safe for colour-blind viewers: the Okabe-Ito palette for curves and categories, the ends
of the red-blue scale that weights and gradients use (blue positive, red negative), and neutrals.
"""


BLUE, ORANGE, GREEN, VERMILLION, PURPLE = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7"  # Okabe-Ito
RDBU_BLUE, RDBU_RED, GREY, LIGHT = "#2166ac", "#b2182b", "#8c8c8c", "#c6dbef"  # the ends of RdBu, and neutrals
LAYER_COLOURS = (BLUE, VERMILLION, GREEN, PURPLE)  # one per layer's curve
LINE_DASHES = ("solid", "dot", "dash", "dashdot")  # curves differ in pattern too, not by colour alone
