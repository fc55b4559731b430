/* run_model.c - load a model.txc through the C API, run it on zero inputs.
 *
 *   run_model model.txc [dim=value ...]
 *
 * Dynamic dims take the value given for their name (default 1). Prints the
 * inputs, the outputs' shapes and first values; checks that a run with a
 * wrong input dtype is refused. Exit status 0 on success. */
#include "txc/txc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t dimValue(const char *name, int argc, char **argv) {
  for (int i = 2; i < argc; ++i) {
    const char *eq = strchr(argv[i], '=');
    if (eq && name[0] && (size_t)(eq - argv[i]) == strlen(name) &&
        strncmp(argv[i], name, strlen(name)) == 0)
      return atoll(eq + 1);
  }
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s model.txc [dim=value ...]\n", argv[0]);
    return 2;
  }
  TxcModel *model = NULL;
  if (txc_model_load(argv[1], &model) != TXC_OK) {
    fprintf(stderr, "load failed: %s\n", txc_last_error());
    return 1;
  }
  size_t n = txc_model_num_inputs(model);
  TxcTensor *inputs = calloc(n ? n : 1, sizeof(TxcTensor));
  int64_t (*shapes)[8] = calloc(n ? n : 1, sizeof *shapes);
  for (size_t i = 0; i < n; ++i) {
    TxcTensorInfo info;
    txc_model_input(model, i, &info);
    if (info.rank > 8) {
      fprintf(stderr, "input %s has rank %d > 8\n", info.name, info.rank);
      return 1;
    }
    size_t elems = 1;
    printf("input %s: %s [", info.name, txc_dtype_name(info.dtype));
    for (int32_t d = 0; d < info.rank; ++d) {
      shapes[i][d] = info.dims[d] >= 0 ? info.dims[d] : dimValue(info.dim_names[d], argc, argv);
      elems *= (size_t)shapes[i][d];
      printf("%s%lld", d ? ", " : "", (long long)shapes[i][d]);
    }
    printf("]\n");
    inputs[i].dtype = info.dtype;
    inputs[i].rank = info.rank;
    inputs[i].shape = shapes[i];
    inputs[i].bytes = elems * txc_dtype_size(info.dtype);
    inputs[i].data = calloc(elems ? elems : 1, txc_dtype_size(info.dtype));
  }
  TxcSession *session = NULL;
  if (txc_session_create(model, NULL, &session) != TXC_OK ||
      txc_session_run(session, inputs, n) != TXC_OK) {
    fprintf(stderr, "run failed: %s\n", txc_last_error());
    return 1;
  }
  for (size_t i = 0; i < txc_model_num_outputs(model); ++i) {
    TxcTensorInfo info;
    TxcOutput out;
    txc_model_output(model, i, &info);
    txc_session_output(session, i, &out);
    printf("output %s: %s [", info.name, txc_dtype_name(out.dtype));
    for (int32_t d = 0; d < out.rank; ++d)
      printf("%s%lld", d ? ", " : "", (long long)out.shape[d]);
    printf("]");
    if (out.dtype == TXC_FLOAT32 && out.bytes >= sizeof(float))
      printf(" first %g", ((const float *)out.data)[0]);
    printf("\n");
  }
  if (n > 0) {
    int32_t saved = inputs[0].dtype;
    inputs[0].dtype = saved == TXC_FLOAT64 ? TXC_INT8 : TXC_FLOAT64;
    TxcStatus s = txc_session_run(session, inputs, n);
    if (s != TXC_ERROR_SHAPE) {
      fprintf(stderr, "a wrong input dtype was not refused (status %d)\n", (int)s);
      return 1;
    }
    printf("wrong dtype refused: %s\n", txc_last_error());
    inputs[0].dtype = saved;
  }
  for (size_t i = 0; i < n; ++i)
    free((void *)inputs[i].data);
  free(inputs);
  free(shapes);
  txc_session_free(session);
  txc_model_free(model);
  return 0;
}
