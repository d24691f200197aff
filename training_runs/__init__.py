"""training_runs: every training run of the app, trained in worker processes (no Streamlit here, so tests and
benchmarks drive a run exactly as a page does).

    runs           a visitor's live run (LiveRun) and the short runs a page waits for; the pages call these
    batches        the Experiments page's batches of runs, one after the other
    computations   a run as the workers compute it (Computation, Spec) and who wants its steps (Follower)
    pool           the pool of worker processes, its fair scheduler, identical runs computed once, and how
                   many finished runs a server keeps (FINISHED_RUNS_KEPT)
    worker_loop    a worker process's main loop (NumPy, threadpoolctl and nn_core only)
    shared_digits  the digits written once as .npy files that every worker memory-maps
    class_handwriting  the lesson's network trained without and with the class's own digits, scored on both
"""
