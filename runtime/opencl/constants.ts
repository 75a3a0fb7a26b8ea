/** The OpenCL enum values edgecl passes to the API (values from cl.h). */

// cl_platform_info
export const CL_PLATFORM_VERSION = 0x0901;
export const CL_PLATFORM_NAME = 0x0902;
export const CL_PLATFORM_VENDOR = 0x0903;

// cl_device_type (bitfield)
export const CL_DEVICE_TYPE_CPU = 1 << 1;
export const CL_DEVICE_TYPE_GPU = 1 << 2;
export const CL_DEVICE_TYPE_ACCELERATOR = 1 << 3;
export const CL_DEVICE_TYPE_ALL = 0xffffffff;

// cl_device_info
export const CL_DEVICE_TYPE = 0x1000;
export const CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002;
export const CL_DEVICE_MAX_WORK_GROUP_SIZE = 0x1004;
export const CL_DEVICE_MAX_MEM_ALLOC_SIZE = 0x1010;
/** In bits: sub-buffer origins must be multiples of it (CL_MISALIGNED_SUB_BUFFER_OFFSET otherwise). */
export const CL_DEVICE_MEM_BASE_ADDR_ALIGN = 0x1019;
export const CL_DEVICE_GLOBAL_MEM_SIZE = 0x101f;
export const CL_DEVICE_LOCAL_MEM_SIZE = 0x1023;
export const CL_DEVICE_NAME = 0x102b;
export const CL_DEVICE_VENDOR = 0x102c;
export const CL_DRIVER_VERSION = 0x102d;
export const CL_DEVICE_VERSION = 0x102f;
export const CL_DEVICE_EXTENSIONS = 0x1030;

// cl_command_queue_properties (bitfield)
export const CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE = 1 << 0;
export const CL_QUEUE_PROFILING_ENABLE = 1 << 1;

// cl_mem_flags (bitfield)
export const CL_MEM_READ_WRITE = 1 << 0;
export const CL_MEM_WRITE_ONLY = 1 << 1;
export const CL_MEM_READ_ONLY = 1 << 2;
export const CL_MEM_COPY_HOST_PTR = 1 << 5;

// cl_buffer_create_type (clCreateSubBuffer)
export const CL_BUFFER_CREATE_TYPE_REGION = 0x1220;

// cl_program_build_info
export const CL_PROGRAM_BUILD_LOG = 0x1183;

// cl_kernel_info
export const CL_KERNEL_NUM_ARGS = 0x1191;

// cl_kernel_work_group_info
export const CL_KERNEL_WORK_GROUP_SIZE = 0x11b0;
export const CL_KERNEL_LOCAL_MEM_SIZE = 0x11b2;

// cl_profiling_info
export const CL_PROFILING_COMMAND_START = 0x1282;
export const CL_PROFILING_COMMAND_END = 0x1283;

// cl_bool
export const CL_TRUE = 1;
export const CL_FALSE = 0;
