/* app/train_opts.c — the option table of `mfm train`. */
#include "train_opts.h"

#include <string.h>

#include "bundle.h"
#include "space.h"
#include "time_model.h"

#define N(x) (sizeof(x) / sizeof((x)[0]))

/* Orders follow the enums they index (mfm_source_kind + preset, mfm_std_kind, ...). */
const char *const mfm_train_fm_choices[] = {"icfm", "otcfm", "sbcfm", "lipman", "vp", "paired", "ve", NULL};
static const char *const sources[] = {"preset", "data", "gaussian", "control", NULL};
static const char *const stds[] = {"none", "global", "feature", NULL};
static const char *const scheds[] = {"joint", "alternating", NULL};
static const char *const lr_scheds[] = {"constant", "cosine", "linear", NULL};
static const char *const dose_transforms[] = {"none", "log1p", "log10", NULL}; /* mfm_dose_transform */
static const char *const unseen_policies[] = {"refuse", "average", NULL};     /* mfm_unseen_policy */

bool mfm_train_opt_resumable(const char *name)
{
    static const char *const ok[] = {"out", "config", "resume", "steps", "lr-final", "lr-decay-steps",
                                     "checkpoint-every", "threads", "quiet", "log-every", "verbose"};
    for (size_t i = 0; i < N(ok); i++)
        if (strcmp(name, ok[i]) == 0)
            return true;
    return false;
}

void mfm_train_spec(mfm_cmd_spec *spec, mfm_train_args *a)
{
    const mfm_opt opts[] = {
        {"out", MFM_OPT_STRING, "DIR", NULL, 0, -1, "model directory to write (created if missing)", &a->out, NULL, true},
        {"config", MFM_OPT_STRING, "FILE", NULL, 0, -1, "JSON file of option values (keys = option names); the command line overrides it", &a->config},
        {"task", MFM_OPT_ENUM, "KIND", "perturbation", 0, -1, "population pairs: control -> treated cells per experiment (perturbation) or consecutive time points (timeseries)", &a->task, mfm_task_names},
        {"experiment-key", MFM_OPT_LIST, "KEY[,KEY]", NULL, 0, -1, "perturbation: obs columns that identify an experiment (e.g. patient_id)", &a->exp_keys},
        {"treatment-key", MFM_OPT_STRING, "KEY", NULL, 0, -1, "perturbation: obs column of the treatment", &a->treatment_key},
        {"control", MFM_OPT_STRING, "LABEL", NULL, 0, -1, "perturbation: treatment label of the control (source) cells", &a->control},
        {"time-key", MFM_OPT_STRING, "KEY", NULL, 0, -1, "timeseries: obs column of the time point", &a->time_key},
        {"holdout-time", MFM_OPT_STRING, "T", NULL, 0, -1, "timeseries: keep this interior time point out; train across the gap", &a->holdout_time},
        {"time-model", MFM_OPT_ENUM, "M", "pairs", 0, -1, "timeseries: pairs (one flow per consecutive pair, each on its own time [0, 1]) | field (ONE time-conditioned field v(x, t) over the whole time range, trained on every consecutive pair at its global times) | spline (field trained on natural cubic splines through OT-chained cells of all time points, MMFM; needs >= 3 time points); docs/trajectories.md", &a->time_model, mfm_time_model_names},
        {"time-units", MFM_OPT_ENUM, "U", "unit", 0, -1, "timeseries field/spline: the field's time axis: unit (the observed range rescaled to [0, 1]) | data (the time key's own values)", &a->time_units, mfm_time_units_names},
        {"holdout", MFM_OPT_LIST, "KEY=V1[,V2][;KEY2=W]", NULL, 0, -1, "perturbation: keep the populations whose cells match out of training and of everything fitted: KEY (any obs column) is one of the values and KEY2 is W; repeatable (the union); e.g. patient=P07, treatment=D1+D2, dose=10, patient=P07;treatment=D1+D2", &a->holdout},
        {"dose-key", MFM_OPT_STRING, "KEY", NULL, 0, -1, "perturbation: obs column of the dose (one number, or one per drug joined by --combo-sep); each drug's part of the condition is scaled by the transformed dose (docs/screens.md)", &a->dose_key},
        {"dose-transform", MFM_OPT_ENUM, "T", "none", 0, -1, "transform of the dose: none | log1p (ln(1+x)) | log10 (log10(1+x))", &a->dose_transform, dose_transforms},
        {"combo-sep", MFM_OPT_STRING, "S", "+", 0, -1, "separator of the drugs of a combination in treatment labels (D1+D2); labels containing it switch the condition to the drug design", &a->combo_sep},
        {"covariate-key", MFM_OPT_LIST, "KEY[,KEY]", NULL, 0, -1, "perturbation: categorical obs columns (culture, plate, ...) added to the condition as one-hots, read from the control cells of each experiment", &a->cov_keys},
        {"drug-features", MFM_OPT_STRING, "FILE", NULL, 0, -1, "fixed drug features (CSV name,f1,... or .h5ad: obs names = drugs) instead of learnt drug one-hots; a drug absent from training but in the table can be predicted", &a->drug_features},
        {"unseen-covariate", MFM_OPT_ENUM, "POLICY", "refuse", 0, -1, "a covariate level never seen in training at predict time: refuse (error) | average (average of the training one-hots, with a warning)", &a->unseen_covariate, unseen_policies},
        {"model", MFM_OPT_ENUM, "NAME", "mfm", 0, -1, "mfm (GCN population embedding) | cgfm (population one-hot) | fm (none)", &a->model, mfm_method_names},
        {"fm", MFM_OPT_ENUM, "PRESET", "otcfm", 0, -1, "coupling + path preset (docs/flow-matching.md)", &a->fm, mfm_train_fm_choices},
        {"source", MFM_OPT_ENUM, "SRC", "preset", 0, -1, "start of the flow: data (the control / earlier cells) | gaussian (N(0, I) draws; the population still conditions through the embedding) | preset (lipman: gaussian, others: data)", &a->source, sources},
        {"sigma", MFM_OPT_DOUBLE, "S", "0", 0, 10, "path noise sigma (sbcfm needs > 0; sigma_min for lipman)", &a->sigma},
        {"sigma-min", MFM_OPT_DOUBLE, "S", "0.01", 1e-6, 1e3, "ve: noise width at t = 1 (the data end); other presets ignore it", &a->sigma_min},
        {"sigma-max", MFM_OPT_DOUBLE, "S", "10", 1e-6, 1e6, "ve: noise width at t = 0, where the flow starts from sigma_max N(0, I); other presets ignore it", &a->sigma_max},
        {"rep", MFM_OPT_STRING, "REP", "X", 0, -1, "representation: X | raw (.raw/X) | layer:NAME | obsm:KEY", &a->rep},
        {"transform", MFM_OPT_STRING, "T", "none", 0, -1, "elementwise transform: none | arcsinh:C | log1p", &a->transform},
        {"libsize", MFM_OPT_DOUBLE, "TARGET", "0", 0, 1e12, "library-size normalise each cell to TARGET counts first (0 = off)", &a->libsize},
        {"pca", MFM_OPT_INT, "N", "0", 0, 10000, "project on N principal components (0 = off; see --pca-fit)", &a->pca},
        {"pca-fit", MFM_OPT_ENUM, "CELLS", "train", 0, -1, "cells the PCA is fitted on: train (source and target cells of the training pairs) | all-controls (+ the control cells of held-out populations, which are prediction inputs: their own genes keep their axes) | all (+ held-out targets: leaks the answer; for diagnostics)", &a->pca_fit, mfm_pca_cells_names},
        {"standardize", MFM_OPT_ENUM, "KIND", "global", 0, -1, "none | global (centre, one scale) | feature (z-score)", &a->standardize, stds},
        {"knn", MFM_OPT_INT, "K", "15", 1, 1000, "neighbours per cell in the embedder's kNN graph", &a->knn},
        {"max-cells-per-pop", MFM_OPT_INT, "N", "0", 0, 100000000, "use at most N cells of each population: a seeded sample (hash of seed and file row) that does not depend on read order; resident memory then grows with populations x N, not with the file (0 = all cells)", &a->max_cells_per_pop},
        {"embed-cells", MFM_OPT_INT, "N", "512", 2, 1000000, "cells of a source population fed to the embedder (seeded subsample)", &a->embed_cells},
        {"embed-draws", MFM_OPT_INT, "R", "1", 1, 1024, "independent subsamples of --embed-cells per population (when it has more cells): training uses one at random per step, predict averages their embeddings", &a->embed_draws},
        {"embed-noise", MFM_OPT_DOUBLE, "S", "0", 0, 100, "std of Gaussian noise added to the population embedding of every training row at the velocity input (a regulariser; 0 = off; embeddings have unit norm)", &a->embed_noise},
        {"gcn-norm", MFM_OPT_ENUM, "NORM", "mean", 0, -1, "GCN adjacency: mean (over neighbours and self) | sym (D^-1/2 (A+I) D^-1/2)", &a->gcn_norm, mfm_adj_norm_names},
        {"gcn-layers", MFM_OPT_INT, "N", "2", 1, 16, "GCN layers", &a->gcn_layers},
        {"gcn-width", MFM_OPT_INT, "W", "64", 1, 4096, "GCN hidden width", &a->gcn_width},
        {"embed-dim", MFM_OPT_INT, "E", "32", 1, 4096, "population embedding width (mfm)", &a->embed_dim},
        {"mlp-width", MFM_OPT_INT, "W", "256", 1, 8192, "velocity network width", &a->mlp_width},
        {"mlp-depth", MFM_OPT_INT, "L", "4", 2, 64, "velocity network Linear layers", &a->mlp_depth},
        {"plain-mlp", MFM_OPT_FLAG, NULL, NULL, 0, -1, "plain MLP instead of SkipMLP residual blocks", &a->plain_mlp},
        {"act", MFM_OPT_ENUM, "ACT", "selu", 0, -1, "velocity activation", &a->act, mfm_act_names},
        {"time-dim", MFM_OPT_INT, "N", "128", 0, 4096, "sinusoidal time embedding width (even; 0 = raw t)", &a->time_dim},
        {"fourier", MFM_OPT_INT, "N", "128", 0, 4096, "random Fourier features of x (0 = none)", &a->n_fourier},
        {"fourier-sigma", MFM_OPT_DOUBLE, "S", "0.01", 0, 1e3, "std of the Fourier matrix B", &a->fourier_sigma},
        {"steps", MFM_OPT_INT, "N", "2000", 1, 100000000, "total optimisation steps", &a->steps},
        {"pops-per-step", MFM_OPT_INT, "P", "4", 1, 4096, "populations per step", &a->pops_per_step},
        {"cells-per-pop", MFM_OPT_INT, "N", "256", 1, 1000000, "cells drawn from each population per step", &a->cells_per_pop},
        {"lr", MFM_OPT_DOUBLE, "LR", "1e-3", 1e-12, 10, "Adam learning rate", &a->lr},
        {"lr-schedule", MFM_OPT_ENUM, "S", "constant", 0, -1, "constant | cosine | linear: decay from --lr at the first step to --lr x --lr-final at the last step of the decay", &a->lr_schedule, lr_scheds},
        {"lr-decay-steps", MFM_OPT_INT, "N", "0", 0, 100000000, "length of the decay (0 = --steps; later steps keep the final rate); set it to resume a decaying run with more --steps unchanged", &a->lr_decay_steps},
        {"lr-final", MFM_OPT_DOUBLE, "F", "0", 0, 1, "final learning rate of a decaying --lr-schedule, as a fraction of --lr", &a->lr_final},
        {"beta1", MFM_OPT_DOUBLE, "B", "0.9", 0, 0.999999, "Adam beta1", &a->beta1},
        {"beta2", MFM_OPT_DOUBLE, "B", "0.999", 0, 0.99999999, "Adam beta2", &a->beta2},
        {"weight-decay", MFM_OPT_DOUBLE, "W", "0", 0, 10, "decoupled weight decay (AdamW)", &a->weight_decay},
        {"clip", MFM_OPT_DOUBLE, "C", "0", 0, 1e9, "clip the global gradient norm (0 = off)", &a->clip},
        {"schedule", MFM_OPT_ENUM, "S", "joint", 0, -1, "joint (one loss updates both networks) | alternating", &a->schedule, scheds},
        {"entropy-beta", MFM_OPT_DOUBLE, "B", "0", 0, 1e6, "entropy control (ECFM): weight of the penalty beta relu(-lambda - mean div v)^2 at each of --entropy-times sampled times per step, which keeps the flow from contracting mass faster than lambda (merging modes); 0 = off; --time-model pairs or field (docs/trajectories.md)", &a->entropy_beta},
        {"entropy-lambda", MFM_OPT_DOUBLE, "L", "0", -1e6, 1e6, "entropy control: allowed entropy decay rate, the constraint mean div v >= -L", &a->entropy_lambda},
        {"entropy-probes", MFM_OPT_INT, "K", "2", 1, 64, "entropy control: Rademacher probes per row of the divergence estimate", &a->entropy_probes},
        {"entropy-times", MFM_OPT_INT, "K", "4", 1, 64, "entropy control: times per step at which the penalty is taken (beta is shared among them)", &a->entropy_times},
        {"growth", MFM_OPT_FLAG, NULL, NULL, 0, -1, "timeseries: unbalanced flow with growth and death: an unbalanced entropic OT plan per consecutive pair gives each source cell a log-growth rate, and a growth head g(x, t) is trained on them beside the velocity; predict then writes each cell's weight (obs 'weight'); needs --time-sizes or --sizes-from-counts; --time-model pairs or field (docs/trajectories.md)", &a->growth},
        {"time-sizes", MFM_OPT_STRING, "S1,S2,...", NULL, 0, -1, "growth: relative population size at each time point, in time order (e.g. 1,1.5,2.2)", &a->time_sizes},
        {"sizes-from-counts", MFM_OPT_FLAG, NULL, NULL, 0, -1, "growth: take the relative population sizes from the cell counts per time point (only when the counts are comparable, e.g. no per-time subsampling)", &a->sizes_from_counts},
        {"growth-eps", MFM_OPT_DOUBLE, "E", "0.05", 1e-6, 1e3, "growth: entropic regularisation of the unbalanced plan, relative to the mean squared distance between the two time points' cells", &a->growth_eps},
        {"growth-tau", MFM_OPT_DOUBLE, "T", "1", 1e-6, 1e6, "growth: marginal relaxation of the unbalanced plan (KL weight, relative like --growth-eps); smaller lets the growth differ more from cell to cell (the total follows the sizes)", &a->growth_tau},
        {"seed", MFM_OPT_INT, "S", "0", 0, 9e15, "seed of every random stream", &a->seed},
        {"threads", MFM_OPT_INT, "N", "0", 0, 256, "OpenBLAS threads (0 = library default)", &a->threads},
        {"checkpoint-every", MFM_OPT_INT, "N", "500", 1, 100000000, "write the checkpoint every N steps (and at the end)", &a->checkpoint_every},
        {"log-every", MFM_OPT_INT, "N", "100", 1, 100000000, "log line every N steps when stderr is not a terminal", &a->log_every},
        {"resume", MFM_OPT_FLAG, NULL, NULL, 0, -1, "continue the run in --out with its stored options; only --steps (the new total), --lr-final, --lr-decay-steps, --checkpoint-every, --threads, --quiet and --log-every may change (another differing option: exit 2)", &a->resume},
        {"skip-small", MFM_OPT_FLAG, NULL, NULL, 0, -1, "skip populations too small for the kNN graph (warn) instead of failing", &a->skip_small},
        {"quiet", MFM_OPT_FLAG, NULL, NULL, 0, -1, "no progress output", &a->quiet},
        {"verbose", MFM_OPT_FLAG, NULL, NULL, 0, -1, "also print the resolved options (always written to DIR/options.json)", &a->verbose},
    };
    static mfm_opt table[96];
    for (size_t i = 0; i < N(opts); i++)
        table[i] = opts[i];
    *spec = (mfm_cmd_spec){
        "train", "DATA.h5ad --out DIR [options]",
        "Train an MFM, CGFM or FM model on the population pairs of an AnnData file.",
        "Examples:\n"
        "  mfm train data.h5ad --out m --experiment-key patient_id --treatment-key condition \\\n"
        "      --control Ref --holdout patient_id=Patient1\n"
        "  mfm train emt.h5ad --out m --task timeseries --time-key time --holdout-time 1\n"
        "Outputs: DIR/model.ckpt (weights, Adam state, RNG state, fitted transforms,\n"
        "config), DIR/train_log.csv (step, loss, loss EMA, seconds) and DIR/options.json\n"
        "(the resolved options).  DIR is created only when training starts; a run that\n"
        "fails before leaves nothing behind.",
        table, N(opts), 1, 1};
}
