/* placeholder until the zstd filter lands */
typedef int attrib_h5z_placeholder_;
