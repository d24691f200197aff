"""dashboard: only what two or more pages share. It imports streamlit, nn_core and the two packages that run
without a screen (training_runs, board_store); never a page (views/).

    state            the visitor's data and network (Model), the shared digits, session keys, the dev-set size
    widgets          what pages draw with: a chart, a picture, a table, the real nn_core code, exercises,
                     quizzes, presenter mode, the tables of numbers built when opened
    links            settings <-> the address, so a link reproduces a run
    board_posts      the pages' side of the class board: the visitor's token and nickname, posting a finished run
    pictures         SVG and PNG pictures: bars, matrices, a score's waterfall, W1's rows (no Streamlit)
    network_drawing  the network picture of Home and Forward pass, as one SVG (no Streamlit)
    plotly_charts    the shared plotly charts and their projector styling (no Streamlit)
    tables           a wide matrix as an Arrow table, a small one as HTML, the layers' table (no Streamlit)
    colours          the colour-blind-safe colours every picture and chart uses
"""
