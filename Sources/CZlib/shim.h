// zlib (https://zlib.net), for reading gzip-compressed data files. On Debian and Ubuntu the
// header comes with zlib1g-dev, which Swift's own installation instructions already list.
#include <zlib.h>
