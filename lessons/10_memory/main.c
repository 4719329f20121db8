/* main.c - lesson 10's program (a placeholder: a later part of the lesson
 * writes its experiments). */
int main(void)
{
    return 0;
}
