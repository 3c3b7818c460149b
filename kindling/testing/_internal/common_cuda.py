"""``torch.testing._internal.common_cuda``: kindling has no CUDA, so every flag is ``False``."""
TEST_CUDA = False
TEST_MULTIGPU = False
TEST_CUDNN = False
TEST_CUDA_GRAPH = False
SM53OrLater = SM60OrLater = SM70OrLater = SM75OrLater = SM80OrLater = SM90OrLater = False
PLATFORM_SUPPORTS_FLASH_ATTENTION = False
PLATFORM_SUPPORTS_MEM_EFF_ATTENTION = False
