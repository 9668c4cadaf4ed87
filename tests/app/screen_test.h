/* tests/app/screen_test.h — the tiny screen model the screen CLI tests
 * train (a few seconds per model): keys of `mfm simulate-screen`'s output
 * and a small network. */
#ifndef MFM_TESTS_SCREEN_TEST_H
#define MFM_TESTS_SCREEN_TEST_H

#define NET "--experiment-key patient --treatment-key treatment --control control " \
            "--mlp-width 16 --mlp-depth 2 --gcn-width 8 --embed-dim 4 --time-dim 8 --fourier 8 " \
            "--cells-per-pop 16 --pops-per-step 2 --embed-cells 32 --knn 5 --threads 1 --steps 6 --quiet"

#endif
