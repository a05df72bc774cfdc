if(CAUSERIE_SANITIZE)
  # Abort on the first UBSan report so a test fails instead of printing and passing.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
