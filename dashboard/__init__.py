"""dashboard: what the pages share. It imports streamlit and nn_core, never a page (views/).

    state       the visitor's data and network (Model), the shared digits, session keys, the shared dev-set size
    widgets     show a chart, a table, the real nn_core code; exercises, quizzes, presenter mode
    figures     every chart and table builder (plotly and Arrow, no Streamlit): they return, never draw
    links       settings <-> the address, so a link reproduces a run
    downloads   what the Training page hands out: the network, predict.py, the training log
    runs        every training run of every page (Training, Experiments, Draw), no Streamlit inside
    board       the class board: every run's summary in a SQLite file, written by a thread (no Streamlit inside)
    class_board the pages' side of the board: who the visitor is, and the posts of finished runs
    workers     the pool of training processes, its fair scheduler, and identical runs computed once
    worker_loop a training process's main loop (NumPy, threadpoolctl and nn_core only)
    shared_data the digits written once as .npy files that every worker memory-maps
    sections/   a page's longer parts, one module per page, so each page script reads top to bottom
"""
