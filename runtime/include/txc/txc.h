/*===- txc.h - The txc runtime C API (libtxcrt) ---------------------------===*
 *
 * Loads a model.txc artifact and runs it. Opaque handles, status codes plus
 * a message (txc_last_error, per thread), no exceptions across the API.
 *
 * Trust boundary: loading an artifact runs the native code it contains. Load
 * only artifacts you built or trust, as you would a shared library.
 *
 * A model is immutable once loaded and may be shared by several sessions;
 * each session owns its working memory and must be used by one thread at a
 * time. Different sessions may run concurrently on different threads.
 *
 *===----------------------------------------------------------------------===*/
#ifndef TXC_TXC_H
#define TXC_TXC_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define TXC_API __attribute__((visibility("default")))
#else
#define TXC_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum TxcStatus {
  TXC_OK = 0,
  TXC_ERROR_INVALID_ARGUMENT = 1, /* null pointer, bad index, bad options */
  TXC_ERROR_IO = 2,               /* cannot open / read / map the file */
  TXC_ERROR_FORMAT = 3,           /* not an artifact, truncated, corrupt, newer version */
  TXC_ERROR_UNSUPPORTED_CPU = 4,  /* built for CPU features this host lacks */
  TXC_ERROR_SHAPE = 5,            /* input dtype/rank/dims do not match the model */
  TXC_ERROR_RUNTIME = 6,          /* loading the code or running it failed */
  TXC_ERROR_OUT_OF_MEMORY = 7
} TxcStatus;

/* ONNX TensorProto.DataType codes. */
enum {
  TXC_FLOAT32 = 1, TXC_UINT8 = 2, TXC_INT8 = 3, TXC_UINT16 = 4, TXC_INT16 = 5,
  TXC_INT32 = 6, TXC_INT64 = 7, TXC_BOOL = 9, TXC_FLOAT16 = 10,
  TXC_FLOAT64 = 11, TXC_UINT32 = 12, TXC_UINT64 = 13, TXC_BFLOAT16 = 16
};

typedef struct TxcModel TxcModel;
typedef struct TxcSession TxcSession;

/* The message of the last failed call on this thread ("" if none). */
TXC_API const char *txc_last_error(void);
/* "float32", "int64", ... */
TXC_API const char *txc_dtype_name(int32_t dtype);
/* Bytes per element of a dtype (0 if unknown). */
TXC_API size_t txc_dtype_size(int32_t dtype);

/* --- Models ------------------------------------------------------------ */
TXC_API TxcStatus txc_model_load(const char *path, TxcModel **model);
/* The bytes are copied; `data` may be freed after the call. */
TXC_API TxcStatus txc_model_load_from_memory(const void *data, size_t size,
                                     TxcModel **model);
TXC_API void txc_model_free(TxcModel *model);

/* A model input or output. Pointers stay valid while the model lives. */
typedef struct TxcTensorInfo {
  const char *name;
  int32_t dtype;
  int32_t rank;
  const int64_t *dims;          /* rank entries; -1 for a dynamic dim */
  const char *const *dim_names; /* rank entries; "" for an unnamed dim */
  const int64_t *dim_min;       /* bounds of dynamic dims (min >= 0) */
  const int64_t *dim_max;       /* -1: unbounded */
} TxcTensorInfo;

TXC_API size_t txc_model_num_inputs(const TxcModel *model);
TXC_API size_t txc_model_num_outputs(const TxcModel *model);
TXC_API TxcStatus txc_model_input(const TxcModel *model, size_t index, TxcTensorInfo *info);
TXC_API TxcStatus txc_model_output(const TxcModel *model, size_t index, TxcTensorInfo *info);
/* Index of the input/output named `name`, or -1. */
TXC_API int64_t txc_model_find_input(const TxcModel *model, const char *name);
TXC_API int64_t txc_model_find_output(const TxcModel *model, const char *name);

/* --- Sessions ---------------------------------------------------------- */
typedef struct TxcSessionOptions {
  int32_t num_threads; /* <= 0: TXC_NUM_THREADS, else the hardware threads */
} TxcSessionOptions;

/* options may be NULL (defaults). The model must outlive its sessions. */
TXC_API TxcStatus txc_session_create(TxcModel *model, const TxcSessionOptions *options,
                             TxcSession **session);
TXC_API void txc_session_free(TxcSession *session);

/* A dense row-major tensor owned by the caller. */
typedef struct TxcTensor {
  int32_t dtype;
  int32_t rank;
  const int64_t *shape; /* rank entries */
  const void *data;
  size_t bytes; /* size of the buffer at data (checked) */
} TxcTensor;

/* Runs the model on one tensor per model input, in the model's order. The
 * inputs are checked (dtype, rank, every dim against the compiled size or
 * bounds, dims sharing a name agree, buffer sizes) before anything runs.
 * Outputs stay in the session until the next run or txc_session_free. */
TXC_API TxcStatus txc_session_run(TxcSession *session, const TxcTensor *inputs,
                          size_t num_inputs);

/* A view of output `index` of the last successful run. */
typedef struct TxcOutput {
  int32_t dtype;
  int32_t rank;
  const int64_t *shape;
  const void *data;
  size_t bytes;
} TxcOutput;
TXC_API TxcStatus txc_session_output(const TxcSession *session, size_t index,
                             TxcOutput *output);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TXC_TXC_H */
