/* data.h - the digits data set shipped in common/data/.
 *
 * UCI "Optical Recognition of Handwritten Digits" (E. Alpaydin, C. Kaynak,
 * 1998): 1797 images of 8x8 pixels with values 0..16, and their labels 0..9.
 * See common/data/README.md for its origin and licence. The file is checked
 * against its CRC-32 on every load, so an edited or damaged copy is refused
 * instead of silently changing every number in the book. */
#ifndef COMMON_DATA_H
#define COMMON_DATA_H

#include <stddef.h>
#include <stdint.h>

#define DIGITS_COUNT 1797
#define DIGITS_FEATURES 64
#define DIGITS_CLASSES 10
/* CRC-32 of the uncompressed CSV; `gzip -lv common/data/digits.csv.gz` prints it. */
#define DIGITS_CRC32 0x2ebe3bb7u
/* The book's one train/test split: 360 test images, chosen by this seed. */
#define DIGITS_TEST_COUNT 360
#define DIGITS_TRAIN_COUNT (DIGITS_COUNT - DIGITS_TEST_COUNT)   /* 1437 */
#define DIGITS_SPLIT_SEED 20240601u

typedef struct {
    int count;        /* examples */
    int features;     /* inputs per example */
    float *x;         /* count x features, pixels scaled to [0, 1] */
    int *y;           /* count labels in 0..DIGITS_CLASSES-1 */
} Dataset;

/* The directory holding digits.csv.gz: $OPTIMIZERS_DATA_DIR when set,
 * otherwise the common/data directory of the source tree it was built from. */
const char *data_dir(void);

/* Loads the whole data set. Returns 0, or -1 with a message in err. */
int digits_load(const char *path, Dataset *out, char *err /* [errlen] */, size_t errlen);
/* Loads data_dir()/digits.csv.gz and splits it into the book's fixed train
 * (1437) and test (360) sets. Returns 0, or -1 with a message in err. */
int digits_load_split(Dataset *train, Dataset *test, char *err /* [errlen] */, size_t errlen);
void dataset_free(Dataset *d);

#endif
