/* Entry points that make libh5zzstd.so a loadable HDF5 filter plugin (found through
 * HDF5_PLUGIN_PATH by h5dump, h5py and any HDF5 program). The filter itself is in
 * h5z_zstd.c. */
#include <H5PLextern.h>

extern const H5Z_class2_t attrib_h5z_zstd_class;

H5PL_type_t H5PLget_plugin_type(void)
{
    return H5PL_TYPE_FILTER;
}

const void *H5PLget_plugin_info(void)
{
    return &attrib_h5z_zstd_class;
}
